using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Training.Encoding;
using MtSnn.Training.Losses;

namespace MtSnn.Training;

/// <summary>
/// Everything that defines a training run, immutable. Serialised (<see cref="ToJson"/>) with the command-line option
/// names as keys (<c>dataset, model, T, lr, ...</c> plus the neuron options), so the saved configuration can be given
/// back to <c>mtsnn train --config</c>. <see cref="Validate"/> rejects bad values with one line. Every property is also
/// a field of <see cref="ConfigFields.Train"/> (key, help, JSON kind, parsing), which the JSON and the command line read.
/// </summary>
public sealed record TrainConfig
{
    public string Dataset { get; init; } = "digits";
    /// <summary>Folder the data set files are looked for in (the CLI's --data), or null.</summary>
    public string? DataDir { get; init; }
    public string Model { get; init; } = "digits-cnn";
    public NeuronOptions Neuron { get; init; } = new();
    /// <summary>
    /// The neuron of a spiking output layer (models in <see cref="ModelZoo.SpikingOutputNames"/>): the same as every
    /// other layer's (<see cref="OutputNeuron.Same"/>), or a single threshold with the same dynamics, so that
    /// multi-threshold neurons stay in the hidden layers only.
    /// </summary>
    public OutputNeuron OutputNeuron { get; init; } = OutputNeuron.Same;
    /// <summary>Time steps T (1 .. <see cref="MtSnn.Runtime.Graph.ModelGraph.MaxTimeSteps"/>, the engine's limit).</summary>
    public int T { get; init; } = 4;
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;
    /// <summary>Base learning rate; unless set, <see cref="TrainingRecipe.DefaultLr"/> of <see cref="Optimizer"/> and <see cref="Model"/>.</summary>
    public double Lr { get => _lr ?? TrainingRecipe.DefaultLr(Optimizer, Model); init => _lr = value; }
    private readonly double? _lr;
    /// <summary>The optimizer; default <see cref="TrainingRecipe.DefaultOptimizer"/>.</summary>
    public OptimizerKind Optimizer { get; init; } = TrainingRecipe.DefaultOptimizer;
    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; }
    public ScheduleKind Schedule { get; init; } = TrainingRecipe.DefaultSchedule;
    /// <summary>Linear warm-up length in epochs (may be fractional).</summary>
    public double Warmup { get; init; }
    /// <summary>Step schedule: epochs between decays.</summary>
    public int StepEpochs { get; init; } = 30;
    /// <summary>Step schedule: decay factor.</summary>
    public double Gamma { get; init; } = 0.1;
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;
    public double LabelSmoothing { get; init; }
    /// <summary>TET's lambda (weight of the MSE regulariser).</summary>
    public double TetLambda { get; init; }
    /// <summary>Maximum global gradient norm; 0 means no clipping.</summary>
    public double ClipGrad { get; init; }
    public EncodingKind Encoding { get; init; } = EncodingKind.Direct;
    /// <summary>Random-crop (and, for colour images, horizontal flip) augmentation of training images.</summary>
    public bool Augment { get; init; }
    /// <summary>Data loader threads.</summary>
    public int Workers { get; init; } = MtSnn.Native.ThreadPolicy.DefaultWorkers;
    public string Device { get; init; } = "cpu";
    /// <summary>TF32 on CUDA for matmuls and convolutions (<see cref="Tf32Settings"/>): true on, false off, null libtorch's defaults (matmul off, convolutions on).</summary>
    public bool? Tf32 { get; init; }
    public long Seed { get; init; }
    /// <summary>Stop every epoch after this many training batches (and evaluate on as many test batches); 0 = all. For measuring.</summary>
    public int MaxBatches { get; init; }
    /// <summary>Event data sets: frames are binned to this height and width (null: the data set's default).</summary>
    public int? FrameSize { get; init; }
    /// <summary>
    /// Data-parallel runs: batch norm statistics over the global batch (every rank's samples) instead of each rank's
    /// own (<see cref="MtSnn.Models.SyncBatchNorm2d"/>). A single process already normalises over its whole batch.
    /// </summary>
    public bool SyncBn { get; init; }

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> with one line naming the value and what is allowed.</summary>
    public TrainConfig Validate()
    {
        if (!TrainingData.DatasetNames.Contains(Dataset.ToLowerInvariant())) throw new ArgumentException($"unknown data set '{Dataset}'; allowed: {string.Join(", ", TrainingData.DatasetNames)}");
        if (!ModelZoo.Names.Contains(Model.ToLowerInvariant())) throw new ArgumentException($"unknown model '{Model}'; allowed: {string.Join(", ", ModelZoo.Names)}");
        Neuron.Validate();
        if (OutputNeuron != OutputNeuron.Same && !ModelZoo.SpikingOutputNames.Contains(Model.ToLowerInvariant()))
            throw new ArgumentException($"output neuron '{OutputNeurons.NameOf(OutputNeuron)}' needs a model with a spiking output layer ({string.Join(", ", ModelZoo.SpikingOutputNames)}); '{Model}' ends in a linear classifier");
        if (T is < 1 or > MtSnn.Runtime.Graph.ModelGraph.MaxTimeSteps) throw new ArgumentException($"time steps T must be in 1..{MtSnn.Runtime.Graph.ModelGraph.MaxTimeSteps} (got {T})");
        if (Epochs < 1) throw new ArgumentException($"epochs must be >= 1 (got {Epochs})");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be >= 1 (got {BatchSize})");
        if (!double.IsFinite(Lr) || Lr <= 0) throw new ArgumentException($"learning rate must be finite and > 0 (got {Lr})");
        if (!double.IsFinite(Momentum) || Momentum is < 0 or >= 1) throw new ArgumentException($"momentum must be in [0, 1) (got {Momentum})");
        if (Nesterov && (Optimizer != OptimizerKind.Sgd || Momentum == 0)) throw new ArgumentException("--nesterov needs --optimizer sgd and a momentum > 0");
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0) throw new ArgumentException($"weight decay must be >= 0 (got {WeightDecay})");
        if (!double.IsFinite(Warmup) || Warmup < 0) throw new ArgumentException($"warm-up must be >= 0 epochs (got {Warmup})");
        if (StepEpochs < 1) throw new ArgumentException($"step schedule period must be >= 1 epoch (got {StepEpochs})");
        if (!double.IsFinite(LabelSmoothing) || LabelSmoothing is < 0 or >= 1) throw new ArgumentException($"label smoothing must be in [0, 1) (got {LabelSmoothing})");
        if (!double.IsFinite(ClipGrad) || ClipGrad < 0) throw new ArgumentException($"gradient clipping max norm must be >= 0 (got {ClipGrad}; 0 = off)");
        if (Workers is < 1 or > 256) throw new ArgumentException($"workers must be in 1..256 (got {Workers})");
        if (FrameSize is < 1) throw new ArgumentException($"frame size must be >= 1 (got {FrameSize})");
        if (MaxBatches < 0) throw new ArgumentException($"max batches must be >= 0 (got {MaxBatches}; 0 = all)");
        _ = SpikingLoss.Create(Loss, LabelSmoothing, TetLambda);
        new LearningRateSchedule { Kind = Schedule, BaseLr = Lr, Gamma = Gamma }.Validate();
        return this;
    }

    /// <summary>
    /// What the model is built for: <paramref name="input"/>, <paramref name="classes"/>, <see cref="Neuron"/> in every
    /// stage, and the output stage's neuron as <see cref="OutputNeuron"/> says.
    /// </summary>
    public ModelSpec ModelSpec(ImageShape input, int classes)
    {
        var spec = new ModelSpec(input, classes, Neuron);
        return OutputNeuron switch
        {
            OutputNeuron.Same => spec,
            OutputNeuron.Single => spec with { StageOverrides = new Dictionary<string, NeuronOptions> { [SpikingModel.OutputStage] = OutputNeurons.SingleLike(Neuron) } },
            _ => throw new ArgumentOutOfRangeException(nameof(OutputNeuron), OutputNeuron, $"unknown output neuron {OutputNeuron}"),
        };
    }

    /// <summary>The loss this configuration trains with.</summary>
    public SpikingLoss CreateLoss() => SpikingLoss.Create(Loss, LabelSmoothing, TetLambda);

    /// <summary>The configuration as JSON with command-line option names as keys (<see cref="ConfigFields.ToJson"/>).</summary>
    public JsonObject ToJson() => ConfigFields.ToJson(this);

    /// <summary>The configuration as indented JSON text (a valid <c>--config</c> file).</summary>
    public string ToJsonString() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>
    /// Reads a configuration written by <see cref="ToJson"/> (<see cref="ConfigFields"/>); missing keys take the defaults.
    /// Throws <see cref="InvalidDataException"/> on an unknown key or a value of the wrong JSON kind, <see cref="ArgumentException"/>
    /// on a value a field refuses (an unknown name).
    /// </summary>
    public static TrainConfig FromJson(JsonObject j)
    {
        try
        {
            return ConfigFields.Build(ConfigFields.ReadJson(j, source: null));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw new InvalidDataException($"configuration JSON: {e.Message}", e);
        }
    }

    /// <summary>The command-line name of <paramref name="kind"/> (sgd, adam, adamw).</summary>
    public static string NameOf(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => "sgd",
        OptimizerKind.Adam => "adam",
        OptimizerKind.AdamW => "adamw",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown optimizer {kind}"),
    };

    /// <summary>Parses the command-line optimizer name (sgd, adam, adamw).</summary>
    public static OptimizerKind ParseOptimizer(string name) =>
        Enum.GetValues<OptimizerKind>().Where(k => NameOf(k) == name.Trim().ToLowerInvariant()).Select(k => (OptimizerKind?)k).FirstOrDefault()
        ?? throw new ArgumentException($"unknown optimizer '{name}' (allowed: {string.Join(", ", Enum.GetValues<OptimizerKind>().Select(NameOf))})");

    /// <summary>A short label for tables: <c>cascade K=4 pow2 T=1</c>.</summary>
    public string Label => Neuron.Mode == FiringMode.Single
        ? $"single T={T}"
        : $"{Neuron.Mode.ToString().ToLowerInvariant()} K={Neuron.Levels} {Neuron.EffectivePreset.ToString().ToLowerInvariant()} T={T}";

    internal static string F(double v) => MtSnn.IO.RoundTripNumber.Format(v);
}
