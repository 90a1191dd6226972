using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Training;
using MtSnn.Training.Encoding;
using MtSnn.Training.Losses;

namespace MtSnn.Cli.Training;

/// <summary>
/// The training options as typed on the command line (shared by <c>train</c> and <c>compare</c>). Every option can also
/// come from <c>--config FILE.json</c>, an object whose keys are the option names without dashes (e.g.
/// <c>{"dataset": "digits", "T": 4, "mode": "cascade", "nesterov": true}</c>; the <c>config</c> of a run's summary.json
/// is such a file); options typed on the command line override the file.
/// </summary>
public sealed class TrainCliOptions
{
    public NeuronCliOptions Neuron { get; } = new();
    public Option<string> Dataset { get; } = new("--dataset") { Description = $"Data set: {string.Join(", ", TrainingData.DatasetNames)}.", DefaultValueFactory = _ => "digits" };
    public Option<string?> Data { get; } = new("--data") { Description = "Folder holding the data set's files." };
    public Option<string> Model { get; } = new("--model") { Description = $"Model: {string.Join(", ", ModelZoo.Names)}.", DefaultValueFactory = _ => "digits-cnn" };
    public Option<string> OutputNeuron { get; } = new("--output-neuron") { Description = $"Neuron of a spiking output layer ({string.Join(", ", ModelZoo.SpikingOutputNames)}): same (as the other layers), single (multi-threshold in the hidden layers only).", DefaultValueFactory = _ => "same" };
    public Option<int> T { get; } = new("--T", "-T") { Description = "Time steps T (>= 1).", DefaultValueFactory = _ => 4 };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Epochs to train.", DefaultValueFactory = _ => 10 };
    public Option<int> BatchSize { get; } = new("--batch-size", "-b") { Description = "Batch size.", DefaultValueFactory = _ => 64 };
    public Option<double?> Lr { get; } = new("--lr") { Description = $"Base learning rate ({TrainingRecipe.Describe()})." };
    public Option<string> Optimizer { get; } = new("--optimizer") { Description = "Optimizer: sgd, adam, adamw.", DefaultValueFactory = _ => TrainConfig.NameOf(TrainingRecipe.DefaultOptimizer) };
    public Option<double> Momentum { get; } = new("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.9 };
    public Option<bool> Nesterov { get; } = new("--nesterov") { Description = "Nesterov momentum (SGD)." };
    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "Weight decay (L2 for sgd/adam, decoupled for adamw).", DefaultValueFactory = _ => 0.0 };
    public Option<string> Schedule { get; } = new("--schedule") { Description = "Learning-rate schedule: cosine, step, constant.", DefaultValueFactory = _ => "cosine" };
    public Option<double> Warmup { get; } = new("--warmup") { Description = "Linear warm-up, in epochs (may be fractional).", DefaultValueFactory = _ => 0.0 };
    public Option<int> StepEpochs { get; } = new("--step-epochs") { Description = "Step schedule: epochs between decays.", DefaultValueFactory = _ => 30 };
    public Option<double> Gamma { get; } = new("--gamma") { Description = "Step schedule: decay factor.", DefaultValueFactory = _ => 0.1 };
    public Option<string> Loss { get; } = new("--loss") { Description = "Loss: ce (cross-entropy of the mean output), mse (rate MSE to one-hot), tet.", DefaultValueFactory = _ => "ce" };
    public Option<double> LabelSmoothing { get; } = new("--label-smoothing") { Description = "Label smoothing for ce and tet, in [0, 1).", DefaultValueFactory = _ => 0.0 };
    public Option<double> TetLambda { get; } = new("--tet-lambda") { Description = "TET: weight of the MSE regulariser.", DefaultValueFactory = _ => 0.0 };
    public Option<double> ClipGrad { get; } = new("--clip-grad") { Description = "Clip the global gradient norm to this value (0 = off).", DefaultValueFactory = _ => 0.0 };
    public Option<string> Encoding { get; } = new("--encoding") { Description = "Input encoding: direct, poisson.", DefaultValueFactory = _ => "direct" };
    public Option<bool> Augment { get; } = new("--augment") { Description = "Random-crop (and for colour images flip) augmentation." };
    public Option<int> Workers { get; } = new("--workers") { Description = "Data loader threads (default: a quarter of the cores, 1 to 4).", DefaultValueFactory = _ => MtSnn.Native.ThreadPolicy.DefaultWorkers };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda, cuda:N.", DefaultValueFactory = _ => "cpu" };
    public Option<string?> Tf32 { get; } = new("--tf32") { Description = "CUDA TF32 tensor-core math for matmuls and convolutions: on, off (default: libtorch's, convolutions on, matmuls off)." };
    public Option<long> Seed { get; } = new("--seed") { Description = "Seed of weights, data order, augmentation and encoding.", DefaultValueFactory = _ => 0L };
    public Option<int?> FrameSize { get; } = new("--frame-size") { Description = "Event data sets: bin the events to frames of this height and width (default: cifar10-dvs 48, nmnist 34)." };
    public Option<int> MaxBatches { get; } = new("--max-batches") { Description = "Train (and test) on at most this many batches per epoch (0 = all); for measuring speed.", DefaultValueFactory = _ => 0 };
    public Option<bool> SyncBn { get; } = new("--sync-bn") { Description = "Data-parallel runs: batch norm statistics over the global batch (all ranks' samples), as PyTorch's SyncBatchNorm; without it each rank normalises over its own batch (DDP's default). One process already normalises over its whole batch." };
    public Option<int?> Threads { get; } = CliThreads.Create();
    public Option<string?> Config { get; } = new("--config") { Description = "JSON file of options (keys = option names without dashes); the command line overrides it." };

    private Option[] TrainOptions => [Dataset, Data, Model, OutputNeuron, T, Epochs, BatchSize, Lr, Optimizer, Momentum, Nesterov, WeightDecay, Schedule, Warmup,
        StepEpochs, Gamma, Loss, LabelSmoothing, TetLambda, ClipGrad, Encoding, Augment, Workers, Device, Tf32, Seed, MaxBatches, FrameSize, SyncBn, Threads, Config];

    /// <summary>Adds every option (training and neuron) to <paramref name="cmd"/>.</summary>
    public void AddTo(Command cmd)
    {
        Neuron.AddTo(cmd);
        foreach (var o in TrainOptions) cmd.Options.Add(o);
    }

    /// <summary>Whether <paramref name="option"/> was typed (or came from --config), not defaulted.</summary>
    public static bool Given(ParseResult p, Option option) => p.GetResult(option) is { Implicit: false };

    /// <summary>
    /// When <c>--config</c> is given, parses again with the file's values appended as options for every option not typed
    /// on the command line; otherwise returns <paramref name="p"/>. Unknown keys, bad JSON or a missing file: one line.
    /// </summary>
    public ParseResult WithConfig(Command cmd, ParseResult p)
    {
        string? file = p.GetValue(Config);
        if (file is null) return p;
        MtSnn.IO.InputFile.Require(file, "--config");
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new InvalidDataException($"--config '{file}': expected a JSON object"); }
        catch (JsonException e) { throw new InvalidDataException($"--config '{file}': invalid JSON ({e.Message.Split('\n')[0]})"); }
        var typed = p.Tokens.Where(t => t.Type != TokenType.Command).Select(t => t.Value).ToList();
        var extra = new List<string>();
        foreach (var (key, node) in json)
        {
            var option = cmd.Options.FirstOrDefault(o => o.Name == "--" + key || o.Aliases.Contains("--" + key));
            if (option is null || option == Config)
                throw new ArgumentException($"--config '{file}': unknown key '{PrintableText.Escape(key)}' (allowed: {string.Join(", ", cmd.Options.Where(o => o != Config && o.Name.StartsWith("--")).Select(o => o.Name[2..]))})");
            ConfigValueKind.Check(file, key, option, node);
            if (node is null || Given(p, option)) continue;
            extra.Add(option.Name);
            extra.Add(node is JsonValue v && v.TryGetValue(out string? s) ? s : node.ToJsonString());
        }
        var again = cmd.Parse([.. typed, .. extra]);
        if (again.Errors.Count > 0)
            throw new ArgumentException($"--config '{file}': {string.Join(' ', again.Errors[0].Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
        return again;
    }

    /// <summary>Builds and validates the training configuration (and hands <c>--threads</c> to the thread policy).</summary>
    public TrainConfig Build(ParseResult p)
    {
        CliThreads.Apply(p, Threads);
        var config = BuildWithoutLr(p);
        return (p.GetValue(Lr) is { } lr ? config with { Lr = lr } : config).Validate();
    }

    private TrainConfig BuildWithoutLr(ParseResult p) => new TrainConfig
    {
        Dataset = p.GetValue(Dataset)!,
        DataDir = p.GetValue(Data),
        Model = p.GetValue(Model)!,
        Neuron = Neuron.Build(p),
        OutputNeuron = OutputNeurons.Parse(p.GetValue(OutputNeuron)!),
        T = p.GetValue(T),
        Epochs = p.GetValue(Epochs),
        BatchSize = p.GetValue(BatchSize),
        Optimizer = TrainConfig.ParseOptimizer(p.GetValue(Optimizer)!),
        Momentum = p.GetValue(Momentum),
        Nesterov = p.GetValue(Nesterov),
        WeightDecay = p.GetValue(WeightDecay),
        Schedule = LearningRateSchedule.Parse(p.GetValue(Schedule)!),
        Warmup = p.GetValue(Warmup),
        StepEpochs = p.GetValue(StepEpochs),
        Gamma = p.GetValue(Gamma),
        Loss = SpikingLoss.Parse(p.GetValue(Loss)!),
        LabelSmoothing = p.GetValue(LabelSmoothing),
        TetLambda = p.GetValue(TetLambda),
        ClipGrad = p.GetValue(ClipGrad),
        Encoding = InputEncoder.Parse(p.GetValue(Encoding)!),
        Augment = p.GetValue(Augment),
        Workers = p.GetValue(Workers),
        Device = p.GetValue(Device)!,
        Tf32 = p.GetValue(Tf32) is { } tf ? Tf32Settings.Parse(tf) : null,
        Seed = p.GetValue(Seed),
        MaxBatches = p.GetValue(MaxBatches),
        FrameSize = p.GetValue(FrameSize),
        SyncBn = p.GetValue(SyncBn),
    };

    /// <summary>Options that may differ when resuming (everything else comes from the checkpoint).</summary>
    public Option[] ResumeAdjustable => [Epochs, Device, Tf32, Workers, MaxBatches, Data, Threads];

    /// <summary>The configuration of a resumed run: the checkpoint's, with the typed adjustable options applied; any other typed option is an error.</summary>
    public TrainConfig AdjustForResume(ParseResult p, TrainConfig fromCheckpoint, IEnumerable<Option> ignore)
    {
        CliThreads.Apply(p, Threads);
        var allowed = ResumeAdjustable.Concat(ignore).ToHashSet();
        foreach (var o in p.CommandResult.Command.Options)
            if (!allowed.Contains(o) && Given(p, o))
                throw new ArgumentException($"--resume continues the checkpoint's configuration; {o.Name} cannot change (allowed: {string.Join(", ", ResumeAdjustable.Select(a => a.Name))})");
        return fromCheckpoint with
        {
            Epochs = Given(p, Epochs) ? p.GetValue(Epochs) : fromCheckpoint.Epochs,
            Device = Given(p, Device) ? p.GetValue(Device)! : fromCheckpoint.Device,
            Tf32 = Given(p, Tf32) ? Tf32Settings.Parse(p.GetValue(Tf32)!) : fromCheckpoint.Tf32,
            Workers = Given(p, Workers) ? p.GetValue(Workers) : fromCheckpoint.Workers,
            MaxBatches = Given(p, MaxBatches) ? p.GetValue(MaxBatches) : fromCheckpoint.MaxBatches,
            DataDir = Given(p, Data) ? p.GetValue(Data) : fromCheckpoint.DataDir,
        };
    }

    /// <summary>Parses a comma-separated list of integers for option <paramref name="what"/>.</summary>
    public static int[] IntList(string text, string what) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new ArgumentException($"{what}: '{s}' is not an integer"))];
}
