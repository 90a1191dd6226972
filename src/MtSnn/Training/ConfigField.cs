using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MtSnn.Training;

/// <summary>
/// One field of the training configuration, described once (<see cref="ConfigFields"/> holds them all): its key (the
/// JSON key and the command-line option name without dashes), short aliases, help text, value type, allowed names,
/// and how it is read from and written to a <see cref="TrainConfig"/> or <see cref="Neurons.NeuronOptions"/>. The JSON
/// file, the checkpoint header and the command line all go through these descriptors, so a new field is written once.
/// </summary>
/// <remarks>
/// Values are the plain CLR values of <see cref="ValueType"/> (<c>int</c>, <c>long</c>, <c>double</c>, <c>bool</c>,
/// <c>string</c>) in the command-line spelling (enum names, <c>atan:2</c>, <c>1,0.5</c>). A <see cref="Nullable"/> field
/// has no default value of its own: absent, the record's initialiser or a rule of the field (<see cref="ConfigField{T}"/>'s
/// completion) decides. Every other field's default is the record's: <see cref="Default"/> reads it from a new record.
/// </remarks>
public abstract class ConfigField
{
    private protected ConfigField(string key, Type valueType, bool nullable, string description, string[] aliases, IReadOnlyList<string>? choices, bool omitWhenNull)
    {
        if (!ConfigJson.Supports(valueType))
            throw new ArgumentException($"config field '{key}': value type {valueType.Name} is not one of int, long, double, bool, string");
        if (valueType == typeof(bool) && nullable) throw new ArgumentException($"config field '{key}': a switch cannot be nullable");
        Key = key;
        ValueType = valueType;
        Nullable = nullable;
        Description = description;
        Aliases = aliases;
        Choices = choices;
        OmitWhenNull = omitWhenNull;
    }

    /// <summary>The JSON key; <c>--</c> + key is the command-line option.</summary>
    public string Key { get; }
    /// <summary>Short command-line aliases (<c>-T</c>, <c>-b</c>, <c>-K</c>).</summary>
    public IReadOnlyList<string> Aliases { get; }
    /// <summary>The help text.</summary>
    public string Description { get; }
    /// <summary>int, long, double, bool or string.</summary>
    public Type ValueType { get; }
    /// <summary>Whether the field may be absent (JSON <c>null</c>, no command-line default).</summary>
    public bool Nullable { get; }
    /// <summary>The only values the command line accepts (case-sensitive there, any case in a file), or null.</summary>
    public IReadOnlyList<string>? Choices { get; }
    /// <summary>Whether <see cref="ConfigFields.ToJson"/> leaves the key out when the value is null (instead of writing null).</summary>
    public bool OmitWhenNull { get; }

    /// <summary>The record's default in this field's spelling (null for a <see cref="Nullable"/> field, which has none).</summary>
    public abstract object? Default { get; }

    /// <summary>
    /// The value of <paramref name="node"/>, of <see cref="ValueType"/>; null for JSON null (only a <see cref="Nullable"/>
    /// field takes it). Any other JSON kind than the field's is a <see cref="FormatException"/> naming the key, the kind
    /// found and the kind expected: <c>{"lr": "0.1"}</c> is refused, never read as text and parsed.
    /// </summary>
    public object? ReadJson(JsonNode? node) => ConfigJson.Read(Key, ValueType, Nullable, node);

    /// <summary>A JSON node for <paramref name="value"/> (of <see cref="ValueType"/>, or null); doubles through <see cref="IO.RoundTripNumber"/>.</summary>
    public JsonNode? WriteJson(object? value) => value switch
    {
        null => null,
        double d => IO.RoundTripNumber.Json(d),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        _ => throw new ArgumentException($"config field '{Key}': value {value} is a {value.GetType().Name}, not a {ValueType.Name}"),
    };

    /// <summary>Whether <paramref name="value"/> is of this field's type.</summary>
    internal bool Accepts(object value) => value.GetType() == ValueType;
}

/// <summary>
/// The JSON kind of a configuration value, written once for <see cref="ConfigField.ReadJson"/> (checkpoint headers,
/// <c>--config</c>) and for the other command-line options a <c>--config</c> file may set: a number for a double, an
/// integer (no fraction, no exponent) for an int or long, true/false for a switch, a string for text; null only where
/// the value may be absent.
/// </summary>
public static class ConfigJson
{
    /// <summary>Whether <paramref name="valueType"/> (int, long, double, bool or string) has a JSON kind here.</summary>
    public static bool Supports(Type valueType) =>
        valueType == typeof(int) || valueType == typeof(long) || valueType == typeof(double) || valueType == typeof(bool) || valueType == typeof(string);

    /// <summary>
    /// The value of <paramref name="node"/> as <paramref name="valueType"/>, or null for JSON null where <paramref name="nullable"/>.
    /// Any other JSON kind is a <see cref="FormatException"/> naming <paramref name="key"/>, the kind found and the kind expected.
    /// </summary>
    public static object? Read(string key, Type valueType, bool nullable, JsonNode? node)
    {
        var kind = node?.GetValueKind() ?? JsonValueKind.Null;
        return kind switch
        {
            JsonValueKind.Null when nullable => null,
            JsonValueKind.Number when valueType == typeof(double) => double.Parse(node!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
            JsonValueKind.Number when valueType == typeof(int) && Integral(node!) && int.TryParse(node!.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) => i,
            JsonValueKind.Number when valueType == typeof(long) && Integral(node!) && long.TryParse(node!.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) => l,
            JsonValueKind.True or JsonValueKind.False when valueType == typeof(bool) => kind == JsonValueKind.True,
            JsonValueKind.String when valueType == typeof(string) => node!.GetValue<string>(),
            _ => throw new FormatException($"key '{key}' is {Describe(kind, node)}; expected {Expected(valueType)}{(nullable ? " or null" : "")}"),
        };
    }

    private static string Expected(Type t) =>
        t == typeof(int) || t == typeof(long) ? "an integer"
        : t == typeof(double) ? "a number"
        : t == typeof(bool) ? "true or false"
        : "a string";

    /// <summary>A number written without a fraction or an exponent (1.0 and 1e3 are not integers here).</summary>
    private static bool Integral(JsonNode node) => node.ToJsonString().All(c => char.IsAsciiDigit(c) || c == '-');

    private static string Describe(JsonValueKind kind, JsonNode? node) => kind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.Number => $"the number {node!.ToJsonString()}",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => node!.ToJsonString(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unexpected JSON kind {kind}"),
    };
}

/// <summary>
/// A field of the record <typeparamref name="T"/> (<see cref="TrainConfig"/> or <see cref="Neurons.NeuronOptions"/>):
/// <see cref="Get"/> reads the value in effect (what is saved), <see cref="Set"/> returns the record with a given value,
/// and the optional completion rule fills in a value that depends on other fields (levels K from the mode) once every
/// given value is set.
/// </summary>
public sealed class ConfigField<T> : ConfigField where T : new()
{
    private readonly Func<T, object?> _get;
    private readonly Func<T, object, T> _set;
    private readonly Func<T, bool, T>? _complete;

    internal ConfigField(string key, Type valueType, bool nullable, string description, Func<T, object?> get, Func<T, object, T> set,
        string[]? aliases = null, IReadOnlyList<string>? choices = null, Func<T, bool, T>? complete = null, bool omitWhenNull = false)
        : base(key, valueType, nullable, description, aliases ?? [], choices, omitWhenNull)
    {
        _get = get;
        _set = set;
        _complete = complete;
        if (!nullable && Default is null) throw new ArgumentException($"config field '{key}': a field that is not nullable needs a default");
    }

    /// <inheritdoc/>
    public override object? Default => Nullable ? null : _get(new T());

    /// <summary>The value in effect in <paramref name="record"/> (what <see cref="ConfigFields.ToJson"/> writes).</summary>
    public object? Get(T record) => _get(record);

    /// <summary>
    /// <paramref name="record"/> with <paramref name="value"/> (of <see cref="ConfigField.ValueType"/>) set. A value the
    /// field refuses (an unknown name, a malformed list) throws <see cref="ArgumentException"/> with one line.
    /// </summary>
    public T Set(T record, object value) =>
        Accepts(value) ? _set(record, value) : throw new ArgumentException($"config field '{Key}': value {value} is a {value.GetType().Name}, not a {ValueType.Name}");

    /// <summary>Applies the completion rule (after every given value is set); <paramref name="given"/>: whether this field was given.</summary>
    public T Complete(T record, bool given) => _complete is null ? record : _complete(record, given);
}
