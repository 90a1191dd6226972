using System.CommandLine;
using MtSnn.Training;

namespace MtSnn.Cli;

/// <summary>
/// The command-line option of a configuration field (<see cref="ConfigFields"/>): <c>--KEY</c> and the field's aliases,
/// its help text (with "One of: ..." for a field with allowed names), the option type from the field's value type, and
/// the record's default (none for a nullable field; a switch defaults to false).
/// </summary>
public sealed class FieldOption
{
    private readonly Func<ParseResult, object?> _read;

    private FieldOption(ConfigField field, Option option, Func<ParseResult, object?> read)
    {
        Field = field;
        Option = option;
        _read = read;
    }

    /// <summary>The field.</summary>
    public ConfigField Field { get; }
    /// <summary>Its option.</summary>
    public Option Option { get; }

    /// <summary>The option of <paramref name="field"/>.</summary>
    public static FieldOption Create(ConfigField field) => (field.ValueType, field.Nullable) switch
    {
        (var t, false) when t == typeof(int) => Typed<int>(field),
        (var t, true) when t == typeof(int) => Typed<int?>(field),
        (var t, false) when t == typeof(long) => Typed<long>(field),
        (var t, false) when t == typeof(double) => Typed<double>(field),
        (var t, true) when t == typeof(double) => Typed<double?>(field),
        (var t, false) when t == typeof(bool) => Typed<bool>(field),
        (var t, false) when t == typeof(string) => Typed<string>(field),
        (var t, true) when t == typeof(string) => Typed<string?>(field),
        var (t, n) => throw new NotSupportedException($"config field '{field.Key}': no command-line option for {(n ? "nullable " : "")}{t.Name}"),
    };

    /// <summary>Whether the option was typed (not defaulted).</summary>
    public bool Given(ParseResult p) => p.GetResult(Option) is { Implicit: false };

    /// <summary>The typed values of the given options among <paramref name="options"/>, keyed by field.</summary>
    public static Dictionary<string, ConfigValue> GivenValues(ParseResult p, IEnumerable<FieldOption> options)
    {
        var values = new Dictionary<string, ConfigValue>();
        foreach (var o in options)
            if (o.Given(p) && o._read(p) is { } v) values[o.Field.Key] = new ConfigValue(v, null);
        return values;
    }

    private static FieldOption Typed<T>(ConfigField field)
    {
        var option = new Option<T>("--" + field.Key, [.. field.Aliases])
        {
            Description = field.Choices is { } choices ? $"{field.Description} One of: {string.Join(", ", choices)}." : field.Description,
        };
        if (!field.Nullable && typeof(T) != typeof(bool)) option.DefaultValueFactory = _ => (T)field.Default!;
        if (field.Choices is { } allowed) option.AcceptOnlyFromAmong([.. allowed]);
        // a nullable value type reads back boxed as its underlying type (int? 3 -> int 3), as the field's values are
        return new FieldOption(field, option, p => p.GetValue(option));
    }
}
