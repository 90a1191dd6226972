using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtSnn.Training;

namespace MtSnn.Cli.Training;

/// <summary>
/// The training options as typed on the command line (shared by <c>train</c> and <c>compare</c>): one option per field
/// of <see cref="ConfigFields"/> (neuron and run), plus <c>--threads</c> and <c>--config</c>. Every field can also come
/// from <c>--config FILE.json</c>, an object whose keys are the option names without dashes (e.g.
/// <c>{"dataset": "digits", "T": 4, "mode": "cascade", "nesterov": true}</c>; the <c>config</c> of a run's summary.json
/// is such a file). The file's values are merged as data: a value typed on the command line overrides the file's.
/// </summary>
public sealed class TrainCliOptions
{
    public NeuronCliOptions Neuron { get; } = new();
    /// <summary>The run's options, in <see cref="ConfigFields.Train"/>'s order.</summary>
    public IReadOnlyList<FieldOption> Fields { get; } = [.. ConfigFields.Train.Select(FieldOption.Create)];
    public Option<int?> Threads { get; } = CliThreads.Create();
    public Option<string?> Config { get; } = new("--config") { Description = "JSON file of options (keys = option names without dashes); the command line overrides it." };

    private IEnumerable<FieldOption> AllFields => Neuron.Options.Concat(Fields);

    /// <summary>The option of configuration field <paramref name="key"/> (<c>"epochs"</c> gives <c>--epochs</c>).</summary>
    public Option Option(string key) => Field(key).Option;

    private FieldOption Field(string key) =>
        AllFields.FirstOrDefault(f => f.Field.Key == key) ?? throw new ArgumentException($"no configuration field '{key}' (allowed: {string.Join(", ", AllFields.Select(f => f.Field.Key))})");

    /// <summary>Adds every option (neuron, training, --threads, --config) to <paramref name="cmd"/>.</summary>
    public void AddTo(Command cmd)
    {
        Neuron.AddTo(cmd);
        foreach (var o in Fields) cmd.Options.Add(o.Option);
        cmd.Options.Add(Threads);
        cmd.Options.Add(Config);
    }

    /// <summary>Whether <paramref name="option"/> was typed on the command line, not defaulted.</summary>
    public static bool Given(ParseResult p, Option option) => p.GetResult(option) is { Implicit: false };

    /// <summary>Whether configuration field <paramref name="key"/> was typed or set by the <c>--config</c> file.</summary>
    public bool Given(TrainCliInput input, string key) => input.FileValues.ContainsKey(key) || Field(key).Given(input.Parse);

    /// <summary>
    /// Reads the <c>--config</c> file of <paramref name="p"/> (parsed from <paramref name="cmd"/>), if any: every key must
    /// name an option of <paramref name="cmd"/> (a configuration field or another option, such as <c>out</c>) and every
    /// value be of the option's JSON kind, else one line naming the file, the key and the kind expected. The values are
    /// kept as data: <see cref="Build(TrainCliInput)"/> and <see cref="TrainCliInput.GetValue{T}"/> put the typed options over them.
    /// </summary>
    public TrainCliInput WithConfig(Command cmd, ParseResult p)
    {
        if (p.CommandResult.Command != cmd) throw new ArgumentException($"the parse result is of command '{p.CommandResult.Command.Name}', not '{cmd.Name}'");
        string? file = p.GetValue(Config);
        if (file is null) return new TrainCliInput(p, null, new Dictionary<string, ConfigValue>(), new Dictionary<Option, object>());
        MtSnn.IO.InputFile.Require(file, "--config");
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new InvalidDataException($"--config '{file}': expected a JSON object"); }
        catch (JsonException e) { throw new InvalidDataException($"--config '{file}': invalid JSON ({e.Message.Split('\n')[0]})"); }
        string source = $"--config '{file}'";
        var fields = new JsonObject();
        var others = new Dictionary<Option, object>();
        try
        {
            foreach (var (key, node) in json)
            {
                if (ConfigFields.Find(key) is not null) { fields[key] = node?.DeepClone(); continue; }
                var option = cmd.Options.FirstOrDefault(o => o != Config && (o.Name == "--" + key || o.Aliases.Contains("--" + key)))
                    ?? throw new ArgumentException($"{source}: unknown key '{PrintableText.Escape(key)}' (allowed: {string.Join(", ", cmd.Options.Where(o => o != Config && o.Name.StartsWith("--")).Select(o => o.Name[2..]))})");
                Type inner = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
                if (!ConfigJson.Supports(inner)) throw new ArgumentException($"{source}: key '{key}' ({option.Name}) cannot be set from a file");
                if (ConfigJson.Read(key, inner, inner != option.ValueType || !inner.IsValueType, node) is { } v) others[option] = v;
            }
            return new TrainCliInput(p, file, ConfigFields.ReadJson(fields, source), others);
        }
        catch (FormatException e) { throw new ArgumentException($"{source}: {e.Message}", e); }
    }

    /// <summary>Builds and validates the configuration of <paramref name="p"/>, with its <c>--config</c> file if it names one.</summary>
    public TrainConfig Build(ParseResult p) => Build(WithConfig(p.CommandResult.Command, p));

    /// <summary>Builds and validates the training configuration (and hands <c>--threads</c> to the thread policy): the file's values, overridden by the typed ones.</summary>
    public TrainConfig Build(TrainCliInput input)
    {
        CliThreads.Apply(input.GetValue(Threads));
        return ConfigFields.Build(Values(input)).Validate();
    }

    /// <summary>The keys of the fields that may differ when resuming (everything else comes from the checkpoint).</summary>
    private static readonly string[] ResumeFields = ["epochs", "device", "tf32", "workers", "max-batches", "data"];

    /// <summary>Options that may differ when resuming (everything else comes from the checkpoint).</summary>
    public Option[] ResumeAdjustable => [.. ResumeFields.Select(Option), Threads];

    /// <summary>The configuration of a resumed run: the checkpoint's, with the given adjustable options applied; any other given option (typed or from --config) is an error.</summary>
    public TrainConfig AdjustForResume(TrainCliInput input, TrainConfig fromCheckpoint, IEnumerable<Option> ignore)
    {
        CliThreads.Apply(input.GetValue(Threads));
        var allowed = ResumeAdjustable.Concat(ignore).ToHashSet();
        var fileOptions = input.FileValues.Keys.Select(Option).Concat(input.OptionValues.Keys).ToHashSet();
        foreach (var o in input.Parse.CommandResult.Command.Options)
            if (!allowed.Contains(o) && (Given(input.Parse, o) || fileOptions.Contains(o)))
                throw new ArgumentException($"--resume continues the checkpoint's configuration; {o.Name} cannot change (allowed: {string.Join(", ", ResumeAdjustable.Select(a => a.Name))})");
        return ConfigFields.With(fromCheckpoint, Values(input));
    }

    /// <summary>The file's values with the typed ones on top.</summary>
    private Dictionary<string, ConfigValue> Values(TrainCliInput input)
    {
        var values = new Dictionary<string, ConfigValue>(input.FileValues);
        foreach (var (key, v) in FieldOption.GivenValues(input.Parse, AllFields)) values[key] = v;
        return values;
    }

    /// <summary>Parses a comma-separated list of integers for option <paramref name="what"/>.</summary>
    public static int[] IntList(string text, string what) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new ArgumentException($"{what}: '{s}' is not an integer"))];
}

/// <summary>
/// A parsed command line and the values of its <c>--config</c> file (empty without one), not yet merged: the
/// configuration fields' (<see cref="FileValues"/>, merged by <see cref="TrainCliOptions.Build(TrainCliInput)"/>) and the
/// command's other options' (<see cref="OptionValues"/>, read with <see cref="GetValue{T}"/>).
/// </summary>
public sealed record TrainCliInput(ParseResult Parse, string? ConfigFile, IReadOnlyDictionary<string, ConfigValue> FileValues, IReadOnlyDictionary<Option, object> OptionValues)
{
    /// <summary>The value of a command option that is not a configuration field: typed, else the file's, else its default.</summary>
    public T GetValue<T>(Option<T> option) =>
        !TrainCliOptions.Given(Parse, option) && OptionValues.TryGetValue(option, out var v) ? (T)v : Parse.GetValue(option)!;
}
