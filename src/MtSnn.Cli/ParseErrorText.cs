using System.Text.RegularExpressions;

namespace MtSnn.Cli;

/// <summary>
/// System.CommandLine's parse messages in a user's words: a value that does not convert names the option and the
/// expected kind ("--epochs: 'x' is not an integer") instead of a .NET type ('System.Int32'), and never echoes more than
/// a short, printable piece of the value.
/// </summary>
public static partial class ParseErrorText
{
    /// <summary>The kind of value each option type expects, as a user reads it.</summary>
    private static readonly Dictionary<string, string> Kinds = new(StringComparer.Ordinal)
    {
        ["System.Int32"] = "an integer",
        ["System.Int64"] = "an integer",
        ["System.Double"] = "a number",
        ["System.Single"] = "a number",
        ["System.Boolean"] = "true or false",
        ["System.Nullable`1[System.Int32]"] = "an integer",
        ["System.Nullable`1[System.Int64]"] = "an integer",
        ["System.Nullable`1[System.Double]"] = "a number",
    };

    /// <summary>Rewrites a conversion failure; any other message is returned as it is.</summary>
    public static string Describe(string message)
    {
        var m = CannotParse().Match(message);
        if (!m.Success) return message;
        string kind = Kinds.TryGetValue(m.Groups["type"].Value, out var k) ? k : $"a value of type {m.Groups["type"].Value.Split('.')[^1]}";
        return $"{m.Groups["option"].Value}: '{Printable(m.Groups["value"].Value)}' is not {kind}";
    }

    private static string Printable(string value)
    {
        var clean = new string([.. value.Take(40).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > 40 ? clean + "..." : clean;
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|argument) '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.?", RegexOptions.Singleline)]
    private static partial Regex CannotParse();
}
