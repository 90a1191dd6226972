namespace MtSnn.IO;

/// <summary>
/// Enum values read from files (checkpoint headers, <c>--config</c> JSON) by name only. <see cref="Enum.Parse{TEnum}(string, bool)"/>
/// also takes numbers (<c>"3"</c>, <c>"-1"</c>, giving undefined values), comma lists (<c>"single, cascade"</c>, OR-ed)
/// and surrounding blanks; here only a defined name (any case) is accepted.
/// </summary>
public static class EnumName
{
    /// <summary>The lower-case names of <typeparamref name="T"/>'s values, in declaration order: the accepted spellings.</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => [.. Enum.GetNames<T>().Select(n => n.ToLowerInvariant())];

    /// <summary>The value named <paramref name="value"/>; otherwise <see cref="ArgumentException"/> naming <paramref name="key"/> and the allowed names.</summary>
    public static T Parse<T>(string value, string key) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
            if (string.Equals(v.ToString(), value, StringComparison.OrdinalIgnoreCase)) return v;
        throw new ArgumentException($"unknown {key} '{value}' (allowed: {string.Join(", ", Names<T>())})");
    }
}
