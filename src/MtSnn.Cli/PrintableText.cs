using System.Globalization;
using System.Text;

namespace MtSnn.Cli;

/// <summary>
/// Makes text safe to print on one terminal line: control characters (C0, DEL, C1), format characters, lone
/// surrogates and U+FFFD (what invalid UTF-8 decodes to) become <c>\xNN</c> / <c>\uNNNN</c> escapes; a backslash
/// stays a backslash. So a message that quotes bytes read from a file can never move the cursor or break the line.
/// </summary>
public static class PrintableText
{
    /// <summary>The text with every unprintable character escaped.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(NeedsEscape)) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (!NeedsEscape(c)) sb.Append(c);
            else if (c <= 0xFF) sb.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Whether <paramref name="c"/> is escaped by <see cref="Escape"/>.</summary>
    public static bool NeedsEscape(char c) => c == '\uFFFD' || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c)
        is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
}
