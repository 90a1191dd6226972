using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using MtSnn.Data;
using MtSnn.IO;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Training.Encoding;
using MtSnn.Training.Losses;

namespace MtSnn.Training;

/// <summary>A value given for a configuration field, and where it came from (<c>--config 'FILE'</c>; null: the command line or code).</summary>
public readonly record struct ConfigValue(object Value, string? Source);

/// <summary>
/// The training configuration's fields, each written once (<see cref="ConfigField{T}"/>): the neuron's
/// (<see cref="Neuron"/>) and the run's (<see cref="Train"/>). <see cref="TrainConfig.ToJson"/>, <see cref="TrainConfig.FromJson"/>,
/// the checkpoint header, <c>--config</c> and the command-line options of <c>train</c>, <c>compare</c> and <c>neuron</c>
/// (names, help, defaults, allowed names) all come from these two lists. Adding a field: a property on the record and
/// one line here.
/// </summary>
public static class ConfigFields
{
    /// <summary>The neuron options, in command-line (help) and JSON order.</summary>
    public static IReadOnlyList<ConfigField<NeuronOptions>> Neuron { get; } =
    [
        Field<NeuronOptions>.Text("dynamics", "Charge rule.", o => o.Dynamics.ToString().ToLowerInvariant(), (o, s) => o with { Dynamics = EnumName.Parse<Dynamics>(s, "dynamics") }, choices: EnumName.Names<Dynamics>()),
        Field<NeuronOptions>.Text("mode", "Firing rule.", o => o.Mode.ToString().ToLowerInvariant(), (o, s) => o with { Mode = EnumName.Parse<FiringMode>(s, "mode") }, choices: EnumName.Names<FiringMode>()),
        Field<NeuronOptions>.NullableInt("levels", "Number of levels K (single: 1; parallel/cascade default 4).", o => o.Levels, (o, k) => o with { Levels = k }, aliases: ["-K"],
            complete: (o, given) => given ? o : o with { Levels = !o.Thresholds.IsDefaultOrEmpty ? o.Thresholds.Length : o.Mode == FiringMode.Single ? 1 : 4 }),
        Field<NeuronOptions>.NullableText("preset", "Threshold preset: pow2 | uniform | explicit (default: pow2 for single/cascade, uniform for parallel; explicit when --thresholds is given).",
            o => o.EffectivePreset.ToString().ToLowerInvariant(), (o, s) => o with { Preset = EnumName.Parse<ThresholdPreset>(s, "preset") },
            complete: (o, given) => given || o.Thresholds.IsDefaultOrEmpty ? o : o with { Preset = ThresholdPreset.Explicit }),
        Field<NeuronOptions>.NullableText("thresholds", "Explicit thresholds in units of V_th, comma-separated, strictly descending (e.g. 1,0.5,0.25).",
            o => o.EffectivePreset == ThresholdPreset.Explicit ? NumberList(o.Thresholds) : null, (o, s) => o with { Thresholds = ParseList(s, "--thresholds") }, omitWhenNull: true),
        Field<NeuronOptions>.NullableText("weights", "Explicit level weights lambda_k, comma-separated (default: equal to the thresholds).",
            o => o.EffectivePreset == ThresholdPreset.Explicit ? NumberList(o.Weights) : null, (o, s) => o with { Weights = ParseList(s, "--weights") }, omitWhenNull: true,
            complete: (o, _) => o.Preset == ThresholdPreset.Explicit && o.Weights.IsDefaultOrEmpty ? o with { Weights = o.Thresholds } : o),
        Field<NeuronOptions>.Double("tau", "Membrane time constant tau (> 1); tau0 for PLIF.", o => o.Tau, (o, v) => o with { Tau = v }),
        Field<NeuronOptions>.Double("vth", "Base threshold V_th (> 0).", o => o.VThreshold, (o, v) => o with { VThreshold = v }),
        Field<NeuronOptions>.Switch("trainable-vth", "Make V_th a trainable parameter per layer.", o => o.TrainableVThreshold, (o, b) => o with { TrainableVThreshold = b }),
        Field<NeuronOptions>.Double("vreset", "Reset / resting potential V_reset.", o => o.VReset, (o, v) => o with { VReset = v }),
        Field<NeuronOptions>.NullableText("reset", "Reset rule: soft | hard (default: hard for single, soft for parallel/cascade).",
            o => o.EffectiveReset.ToString().ToLowerInvariant(), (o, s) => o with { Reset = EnumName.Parse<ResetMode>(s, "reset") }),
        Field<NeuronOptions>.Switch("detach-reset", "Treat the reset as a constant in backward.", o => o.DetachReset, (o, b) => o with { DetachReset = b }),
        Field<NeuronOptions>.Switch("no-decay-input", "LIF charge H = V - (V - V_reset)/tau + X instead of H = V + (X - (V - V_reset))/tau.", o => !o.DecayInput, (o, b) => o with { DecayInput = !b }),
        Field<NeuronOptions>.Text("surrogate", $"Surrogate gradient: {string.Join(" | ", Surrogates.All.Select(k => k.Name))}, optionally name:parameter (e.g. atan:2).",
            o => NeuronOptionsJson.SurrogateName(o.Surrogate), (o, s) => o with { Surrogate = ParseSurrogate(s) }),
        Field<NeuronOptions>.Text("surrogate-width", "Per-level surrogate width: fixed (every level the same) or spacing (level k stretched to its threshold spacing d_k, unit area: dS_k/du = g(u/d_k)/d_k).",
            o => o.SurrogateWidth.ToString().ToLowerInvariant(), (o, s) => o with { SurrogateWidth = EnumName.Parse<SurrogateWidth>(s, "surrogate-width") }, choices: EnumName.Names<SurrogateWidth>()),
        Field<NeuronOptions>.Switch("normalize-level-gradient", "Divide every level's surrogate by sum_k lambda_k, so dO/dH has a single threshold's area.", o => o.NormalizeLevelGradient, (o, b) => o with { NormalizeLevelGradient = b }),
    ];

    /// <summary>The run's options (everything but the neuron), in command-line (help) and JSON order.</summary>
    public static IReadOnlyList<ConfigField<TrainConfig>> Train { get; } =
    [
        Field<TrainConfig>.Text("dataset", $"Data set: {string.Join(", ", TrainingData.DatasetNames)}.", c => c.Dataset, (c, s) => c with { Dataset = s }),
        Field<TrainConfig>.NullableText("data", "Folder holding the data set's files.", c => c.DataDir, (c, s) => c with { DataDir = s }),
        Field<TrainConfig>.Text("model", $"Model: {string.Join(", ", ModelZoo.Names)}.", c => c.Model, (c, s) => c with { Model = s }),
        Field<TrainConfig>.Text("output-neuron", $"Neuron of a spiking output layer ({string.Join(", ", ModelZoo.SpikingOutputNames)}): same (as the other layers), single (multi-threshold in the hidden layers only).",
            c => OutputNeurons.NameOf(c.OutputNeuron), (c, s) => c with { OutputNeuron = OutputNeurons.Parse(s) }),
        Field<TrainConfig>.Int("T", "Time steps T (>= 1).", c => c.T, (c, v) => c with { T = v }, aliases: ["-T"]),
        Field<TrainConfig>.Int("epochs", "Epochs to train.", c => c.Epochs, (c, v) => c with { Epochs = v }),
        Field<TrainConfig>.Int("batch-size", "Batch size.", c => c.BatchSize, (c, v) => c with { BatchSize = v }, aliases: ["-b"]),
        Field<TrainConfig>.NullableDouble("lr", $"Base learning rate ({TrainingRecipe.Describe()}).", c => c.Lr, (c, v) => c with { Lr = v }),
        Field<TrainConfig>.Text("optimizer", "Optimizer: sgd, adam, adamw.", c => TrainConfig.NameOf(c.Optimizer), (c, s) => c with { Optimizer = TrainConfig.ParseOptimizer(s) }),
        Field<TrainConfig>.Double("momentum", "SGD momentum.", c => c.Momentum, (c, v) => c with { Momentum = v }),
        Field<TrainConfig>.Switch("nesterov", "Nesterov momentum (SGD).", c => c.Nesterov, (c, b) => c with { Nesterov = b }),
        Field<TrainConfig>.Double("weight-decay", "Weight decay (L2 for sgd/adam, decoupled for adamw).", c => c.WeightDecay, (c, v) => c with { WeightDecay = v }),
        Field<TrainConfig>.Text("schedule", "Learning-rate schedule: cosine, step, constant.", c => c.Schedule.ToString().ToLowerInvariant(), (c, s) => c with { Schedule = LearningRateSchedule.Parse(s) }),
        Field<TrainConfig>.Double("warmup", "Linear warm-up, in epochs (may be fractional).", c => c.Warmup, (c, v) => c with { Warmup = v }),
        Field<TrainConfig>.Int("step-epochs", "Step schedule: epochs between decays.", c => c.StepEpochs, (c, v) => c with { StepEpochs = v }),
        Field<TrainConfig>.Double("gamma", "Step schedule: decay factor.", c => c.Gamma, (c, v) => c with { Gamma = v }),
        Field<TrainConfig>.Text("loss", "Loss: ce (cross-entropy of the mean output), mse (rate MSE to one-hot), tet.", c => SpikingLoss.NameOf(c.Loss), (c, s) => c with { Loss = SpikingLoss.Parse(s) }),
        Field<TrainConfig>.Double("label-smoothing", "Label smoothing for ce and tet, in [0, 1).", c => c.LabelSmoothing, (c, v) => c with { LabelSmoothing = v }),
        Field<TrainConfig>.Double("tet-lambda", "TET: weight of the MSE regulariser.", c => c.TetLambda, (c, v) => c with { TetLambda = v }),
        Field<TrainConfig>.Double("clip-grad", "Clip the global gradient norm to this value (0 = off).", c => c.ClipGrad, (c, v) => c with { ClipGrad = v }),
        Field<TrainConfig>.Text("encoding", "Input encoding: direct, poisson.", c => c.Encoding.ToString().ToLowerInvariant(), (c, s) => c with { Encoding = InputEncoder.Parse(s) }),
        Field<TrainConfig>.Switch("augment", "Random-crop (and for colour images flip) augmentation.", c => c.Augment, (c, b) => c with { Augment = b }),
        Field<TrainConfig>.Int("workers", "Data loader threads (default: a quarter of the cores, 1 to 4).", c => c.Workers, (c, v) => c with { Workers = v }),
        Field<TrainConfig>.Text("device", "cpu, cuda, cuda:N.", c => c.Device, (c, s) => c with { Device = s }),
        Field<TrainConfig>.NullableText("tf32", "CUDA TF32 tensor-core math for matmuls and convolutions: on, off (default: libtorch's, convolutions on, matmuls off).",
            c => c.Tf32 is { } tf ? (tf ? "on" : "off") : null, (c, s) => c with { Tf32 = Tf32Settings.Parse(s) }),
        Field<TrainConfig>.Long("seed", "Seed of weights, data order, augmentation and encoding.", c => c.Seed, (c, v) => c with { Seed = v }),
        Field<TrainConfig>.Int("max-batches", "Train (and test) on at most this many batches per epoch (0 = all); for measuring speed.", c => c.MaxBatches, (c, v) => c with { MaxBatches = v }),
        Field<TrainConfig>.NullableInt("frame-size", "Event data sets: bin the events to frames of this height and width (default: cifar10-dvs 48, nmnist 34).", c => c.FrameSize, (c, v) => c with { FrameSize = v }),
        Field<TrainConfig>.Switch("sync-bn", "Data-parallel runs: batch norm statistics over the global batch (all ranks' samples), as PyTorch's SyncBatchNorm; without it each rank normalises over its own batch (DDP's default). One process already normalises over its whole batch.",
            c => c.SyncBn, (c, b) => c with { SyncBn = b }),
    ];

    /// <summary>Every field in JSON order: the run's, then the neuron's.</summary>
    public static IReadOnlyList<ConfigField> All { get; } = [.. Train, .. Neuron];

    private static readonly IReadOnlyDictionary<string, ConfigField> ByKey = CheckUnique(All);

    /// <summary>The field with JSON key <paramref name="key"/> (case-sensitive), or null.</summary>
    public static ConfigField? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>
    /// The neuron options of the given values (absent fields: the record's defaults and the fields' completion rules),
    /// validated. A value a field refuses is one line, prefixed with its <see cref="ConfigValue.Source"/> and key when it came from a file.
    /// </summary>
    public static NeuronOptions BuildNeuron(IReadOnlyDictionary<string, ConfigValue> values)
    {
        CheckKeys(values);
        return Complete(Apply(new NeuronOptions(), Neuron, values), Neuron, values).Validate();
    }

    /// <summary>The configuration of the given values (absent fields: the record's defaults and the completion rules); not yet <see cref="TrainConfig.Validate"/>d.</summary>
    public static TrainConfig Build(IReadOnlyDictionary<string, ConfigValue> values)
    {
        var neuron = BuildNeuron(values);
        return Complete(Apply(new TrainConfig { Neuron = neuron }, Train, values), Train, values);
    }

    /// <summary><paramref name="config"/> with the given values set (no completion rules: the record's values are complete already).</summary>
    public static TrainConfig With(TrainConfig config, IReadOnlyDictionary<string, ConfigValue> values)
    {
        CheckKeys(values);
        var neuron = Apply(config.Neuron, Neuron, values);
        return Apply(config with { Neuron = ReferenceEquals(neuron, config.Neuron) ? neuron : neuron.Validate() }, Train, values);
    }

    /// <summary>The configuration as JSON: every field in <see cref="All"/>'s order, keyed by its option name.</summary>
    public static JsonObject ToJson(TrainConfig config)
    {
        var j = new JsonObject();
        foreach (var f in Train) Write(f, f.Get(config), j);
        WriteNeuron(config.Neuron, j);
        return j;
    }

    /// <summary>Adds the neuron fields of <paramref name="options"/> to <paramref name="json"/>.</summary>
    public static void WriteNeuron(NeuronOptions options, JsonObject json)
    {
        foreach (var f in Neuron) Write(f, f.Get(options), json);
    }

    /// <summary>
    /// The values of a JSON object (null values count as absent), each checked against its field's JSON kind. An unknown
    /// key or a value of the wrong kind throws <see cref="FormatException"/> with one line naming the key.
    /// </summary>
    public static Dictionary<string, ConfigValue> ReadJson(JsonObject json, string? source)
    {
        var values = new Dictionary<string, ConfigValue>();
        foreach (var (key, node) in json)
        {
            var field = Find(key) ?? throw new FormatException($"unknown key '{key}' (allowed: {string.Join(", ", All.Select(f => f.Key))})");
            if (field.ReadJson(node) is { } v) values[key] = new ConfigValue(v, source);
        }
        return values;
    }

    private static void Write(ConfigField f, object? value, JsonObject j)
    {
        if (value is null && f.OmitWhenNull) return;
        j[f.Key] = f.WriteJson(value);
    }

    private static T Apply<T>(T record, IReadOnlyList<ConfigField<T>> fields, IReadOnlyDictionary<string, ConfigValue> values) where T : new()
    {
        foreach (var f in fields)
        {
            if (!values.TryGetValue(f.Key, out var v)) continue;
            try { record = f.Set(record, v.Value); }
            catch (ArgumentException e) when (v.Source is not null)
            {
                throw new ArgumentException($"{v.Source}: key '{f.Key}': {e.Message}", e);
            }
        }
        return record;
    }

    private static T Complete<T>(T record, IReadOnlyList<ConfigField<T>> fields, IReadOnlyDictionary<string, ConfigValue> values) where T : new()
    {
        foreach (var f in fields) record = f.Complete(record, values.ContainsKey(f.Key));
        return record;
    }

    private static void CheckKeys(IReadOnlyDictionary<string, ConfigValue> values)
    {
        if (values.Keys.FirstOrDefault(k => Find(k) is null) is { } unknown)
            throw new ArgumentException($"unknown configuration key '{unknown}' (allowed: {string.Join(", ", All.Select(f => f.Key))})");
    }

    private static IReadOnlyDictionary<string, ConfigField> CheckUnique(IReadOnlyList<ConfigField> fields)
    {
        var byKey = new Dictionary<string, ConfigField>(StringComparer.Ordinal);
        foreach (var f in fields)
            if (!byKey.TryAdd(f.Key, f)) throw new InvalidOperationException($"configuration key '{f.Key}' is defined twice");
        return byKey;
    }

    /// <summary>A surrogate as typed: <c>name</c> or <c>name:parameter</c> (<see cref="Surrogates.Parse"/>).</summary>
    private static Surrogate ParseSurrogate(string text)
    {
        int colon = text.IndexOf(':');
        return colon < 0 ? Surrogates.Parse(text) : Surrogates.Parse(text[..colon], ParseNumber(text[(colon + 1)..], "--surrogate parameter"));
    }

    private static ImmutableArray<double> ParseList(string text, string what) =>
        string.IsNullOrWhiteSpace(text) ? [] : [.. text.Split(',').Select(s => ParseNumber(s, what))];

    private static double ParseNumber(string s, string what) =>
        double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v : throw new ArgumentException($"{what}: '{s.Trim()}' is not a number");

    private static string NumberList(ImmutableArray<double> values) => string.Join(',', values.Select(RoundTripNumber.Format));

    /// <summary>Typed constructors of <see cref="ConfigField{T}"/>: each value type's reading and writing written once.</summary>
    private static class Field<T> where T : new()
    {
        public static ConfigField<T> Text(string key, string description, Func<T, string> get, Func<T, string, T> set, IReadOnlyList<string>? choices = null) =>
            new(key, typeof(string), false, description, r => get(r), (r, v) => set(r, (string)v), choices: choices);

        public static ConfigField<T> NullableText(string key, string description, Func<T, string?> get, Func<T, string, T> set, Func<T, bool, T>? complete = null, bool omitWhenNull = false) =>
            new(key, typeof(string), true, description, r => get(r), (r, v) => set(r, (string)v), complete: complete, omitWhenNull: omitWhenNull);

        public static ConfigField<T> Int(string key, string description, Func<T, int> get, Func<T, int, T> set, string[]? aliases = null) =>
            new(key, typeof(int), false, description, r => get(r), (r, v) => set(r, (int)v), aliases);

        public static ConfigField<T> NullableInt(string key, string description, Func<T, int?> get, Func<T, int, T> set, string[]? aliases = null, Func<T, bool, T>? complete = null) =>
            new(key, typeof(int), true, description, r => get(r), (r, v) => set(r, (int)v), aliases, complete: complete);

        public static ConfigField<T> Long(string key, string description, Func<T, long> get, Func<T, long, T> set) =>
            new(key, typeof(long), false, description, r => get(r), (r, v) => set(r, (long)v));

        public static ConfigField<T> Double(string key, string description, Func<T, double> get, Func<T, double, T> set) =>
            new(key, typeof(double), false, description, r => get(r), (r, v) => set(r, (double)v));

        public static ConfigField<T> NullableDouble(string key, string description, Func<T, double> get, Func<T, double, T> set) =>
            new(key, typeof(double), true, description, r => get(r), (r, v) => set(r, (double)v));

        /// <summary>A switch: false unless given (a record default of true could not be turned off on the command line, so it is refused).</summary>
        public static ConfigField<T> Switch(string key, string description, Func<T, bool> get, Func<T, bool, T> set) =>
            get(new T()) ? throw new ArgumentException($"config field '{key}': a switch must default to false")
            : new(key, typeof(bool), false, description, r => get(r), (r, v) => set(r, (bool)v));
    }
}
