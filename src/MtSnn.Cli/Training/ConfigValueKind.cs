using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MtSnn.Cli.Training;

/// <summary>
/// The JSON kind a <c>--config</c> key must have, from the type of the option it stands for: a number for numeric
/// options (an integer for integer ones), <c>true</c>/<c>false</c> for switches, a string for text options; <c>null</c>
/// only for options that may be absent (<c>int?</c>, <c>string?</c>). A value of another kind is an error naming the
/// key, the kind found and the kind expected: <c>{"lr": "0.1"}</c> is refused, never read as text and parsed.
/// </summary>
public static class ConfigValueKind
{
    /// <summary>Throws <see cref="ArgumentException"/> (one line) when <paramref name="node"/> is not of the kind <paramref name="option"/> takes.</summary>
    public static void Check(string file, string key, Option option, JsonNode? node)
    {
        Type type = option.ValueType;
        Type? inner = Nullable.GetUnderlyingType(type);
        bool nullable = inner is not null || !type.IsValueType;
        Type t = inner ?? type;
        var kind = node?.GetValueKind() ?? JsonValueKind.Null;
        string expected = Expected(t);
        bool ok = kind switch
        {
            JsonValueKind.Null => nullable,
            JsonValueKind.Number => t == typeof(double) || ((t == typeof(int) || t == typeof(long)) && IsInteger(node!, t)),
            JsonValueKind.True or JsonValueKind.False => t == typeof(bool),
            JsonValueKind.String => t == typeof(string),
            _ => false,
        };
        if (!ok)
            throw new ArgumentException($"--config '{file}': key '{PrintableText.Escape(key)}' is {Describe(kind, node)}; expected {expected}{(nullable ? " or null" : "")}");
    }

    private static bool IsInteger(JsonNode node, Type t) => t == typeof(int)
        ? node.AsValue().TryGetValue(out int _) || (node.AsValue().TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue && IntegralText(node))
        : node.AsValue().TryGetValue(out long _) || IntegralText(node) && long.TryParse(node.ToJsonString(), out _);

    private static bool IntegralText(JsonNode node) => node.ToJsonString().All(c => char.IsAsciiDigit(c) || c == '-');

    private static string Expected(Type t) =>
        t == typeof(int) || t == typeof(long) ? "an integer"
        : t == typeof(double) ? "a number"
        : t == typeof(bool) ? "true or false"
        : t == typeof(string) ? "a string"
        : throw new NotSupportedException($"--config: option type {t.Name} has no JSON kind");

    private static string Describe(JsonValueKind kind, JsonNode? node) => kind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.Number => $"the number {node!.ToJsonString()}",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => $"{node!.ToJsonString()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unexpected JSON kind {kind}"),
    };
}
