using System.Globalization;
using System.Text;

namespace MtSnn.Cli.Commands;

/// <summary>
/// Reads the playground's input: one current per line, an optional header line <c>x</c>, blank lines at the end
/// ignored. Streams: <see cref="ReadChunks"/> yields the values in chunks of time steps, holding one chunk and one
/// line (at most <see cref="MaxLineLength"/> characters) at a time.
/// </summary>
public static class CurrentFile
{
    /// <summary>Time steps per chunk of the stream.</summary>
    public const int ChunkSteps = 4096;

    /// <summary>The longest line accepted (a number needs far fewer characters); a longer one is refused without being held.</summary>
    public const int MaxLineLength = 1024;

    /// <summary>The whole file at once (it must exist and be a file).</summary>
    public static IReadOnlyList<double> Read(string path)
    {
        MtSnn.IO.InputFile.Require(path, "input file");
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Parses everything; throws <see cref="FormatException"/> naming the source and line number of the first bad line.</summary>
    public static IReadOnlyList<double> Read(TextReader reader, string source) => [.. ReadChunks(reader, source).SelectMany(c => c)];

    /// <summary>
    /// The values in chunks of at most <paramref name="chunkSteps"/> (every chunk but the last full). A bad line
    /// throws <see cref="FormatException"/> naming the source and line number when the enumeration reaches it (so the
    /// chunks before it have already been yielded); an input without values throws at the end.
    /// </summary>
    public static IEnumerable<double[]> ReadChunks(TextReader reader, string source, int chunkSteps = ChunkSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSteps, 1);
        var chunk = new List<double>(Math.Min(chunkSteps, ChunkSteps));
        var line = new StringBuilder();
        long lineNo = 0, firstBlank = 0, values = 0;
        bool afterCr = false;
        while (ReadLine(reader, line, ref afterCr, source, lineNo + 1))
        {
            lineNo++;
            string text = line.ToString().Trim();
            if (text.Length == 0)
            {
                if (firstBlank == 0) firstBlank = lineNo;
                continue;
            }
            if (firstBlank != 0) throw new FormatException($"{source}:{firstBlank}: empty line (expected one number per line)");
            if (lineNo == 1 && text == "x") continue;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw new FormatException($"{source}:{lineNo}: '{Quote(text)}' is not a finite number (expected one number per line)");
            chunk.Add(v);
            values++;
            if (chunk.Count == chunkSteps)
            {
                yield return [.. chunk];
                chunk.Clear();
            }
        }
        if (chunk.Count > 0) yield return [.. chunk];
        if (values == 0) throw new FormatException($"{source}: no input values (expected one number per line, optional header 'x')");
    }

    /// <summary>
    /// Reads one line (ended by \n, \r or \r\n, or the end) into <paramref name="line"/>; false at the end.
    /// <paramref name="afterCr"/> carries whether the previous line ended in \r, so that a following \n is skipped
    /// (no <see cref="TextReader.Peek"/>, which can report the end early on a pipe).
    /// </summary>
    private static bool ReadLine(TextReader reader, StringBuilder line, ref bool afterCr, string source, long lineNo)
    {
        line.Clear();
        int c = reader.Read();
        if (afterCr && c == '\n') c = reader.Read();
        afterCr = false;
        if (c < 0) return false;
        for (; c >= 0 && c != '\n' && c != '\r'; c = reader.Read())
        {
            if (line.Length == MaxLineLength)
                throw new FormatException($"{source}:{lineNo}: line longer than {MaxLineLength} characters (expected one number per line)");
            line.Append((char)c);
        }
        afterCr = c == '\r';
        return true;
    }

    private static string Quote(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
