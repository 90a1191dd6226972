using System.Globalization;

namespace MtSnn.Cli.Commands;

/// <summary>Reads the playground's input: one current per line, an optional header line <c>x</c>, blank lines at the end ignored.</summary>
public static class CurrentFile
{
    public static IReadOnlyList<double> Read(string path)
    {
        MtSnn.IO.InputFile.Require(path, "input file");
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Parses; throws <see cref="FormatException"/> naming the source and line number of the first bad line.</summary>
    public static IReadOnlyList<double> Read(TextReader reader, string source)
    {
        var values = new List<double>();
        int lineNo = 0;
        var lines = new List<(int, string)>();
        for (string? line; (line = reader.ReadLine()) is not null;) lines.Add((++lineNo, line.Trim()));
        while (lines.Count > 0 && lines[^1].Item2.Length == 0) lines.RemoveAt(lines.Count - 1);
        foreach (var (n, text) in lines)
        {
            if (n == 1 && text == "x") continue;
            if (text.Length == 0) throw new FormatException($"{source}:{n}: empty line (expected one number per line)");
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw new FormatException($"{source}:{n}: '{text}' is not a finite number (expected one number per line)");
            values.Add(v);
        }
        if (values.Count == 0) throw new FormatException($"{source}: no input values (expected one number per line, optional header 'x')");
        return values;
    }
}
