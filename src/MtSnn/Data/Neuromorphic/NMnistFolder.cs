using System.Globalization;

namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// An N-MNIST-format folder: <c>ROOT/{train|test}/{label}/*.bin</c> (split folder matched ignoring case, so the
/// original <c>Train</c>/<c>Test</c> work; label folders are integers &gt;= 0). Samples are ordered by label, then
/// by file name (ordinal). <see cref="ClassCount"/> is the largest label folder of either split + 1, so the train and
/// test splits agree on it even when one lacks a class. Every file is checked up front (not empty, a whole number of
/// 5-byte events), before any output is written, so a bad file is found at open, not in the middle of an epoch.
/// </summary>
public sealed class NMnistFolder : IEventDataset
{
    private readonly (string Path, int Label)[] _samples;

    /// <summary>Indexes the <paramref name="train"/> or test split under <paramref name="root"/>; sensor size defaults to N-MNIST's 34x34.</summary>
    public NMnistFolder(string root, bool train, int width = 34, int height = 34)
    {
        string split = train ? "train" : "test";
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"N-MNIST root '{root}' does not exist");
        string dir = SplitFolder(root, split) ?? throw new DirectoryNotFoundException($"N-MNIST root '{root}' has no '{split}' folder");
        var samples = new List<(string, int)>();
        foreach (var (labelDir, label) in LabelFolders(dir))
            samples.AddRange(Directory.EnumerateFiles(labelDir, "*.bin").Select(f => (CheckSize(f), label)));
        _samples = [.. samples.OrderBy(s => s.Item2).ThenBy(s => Path.GetFileName(s.Item1), StringComparer.Ordinal)];
        if (_samples.Length == 0) throw new InvalidDataException($"{dir}: no .bin files under its label folders");
        int largest = -1;
        foreach (string s in new[] { "train", "test" })
            if (SplitFolder(root, s) is { } d)
                foreach (var (_, label) in LabelFolders(d)) largest = Math.Max(largest, label);
        ClassCount = largest + 1;
        Width = width; Height = height;
    }

    private static string? SplitFolder(string root, string split) =>
        Directory.EnumerateDirectories(root).FirstOrDefault(d => string.Equals(Path.GetFileName(d), split, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<(string Dir, int Label)> LabelFolders(string splitDir)
    {
        foreach (string labelDir in Directory.EnumerateDirectories(splitDir))
        {
            string name = Path.GetFileName(labelDir);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int label))
                throw new InvalidDataException($"{labelDir}: label folder names must be integers >= 0 (got '{name}')");
            yield return (labelDir, label);
        }
    }

    /// <summary>The file's length must be a positive multiple of <see cref="NMnistBin.EventBytes"/>.</summary>
    private static string CheckSize(string file)
    {
        long length = new FileInfo(file).Length;
        if (length == 0) throw new InvalidDataException($"{file}: empty N-MNIST .bin file (no events)");
        if (length % NMnistBin.EventBytes != 0)
            throw new InvalidDataException($"{file}: {length} bytes is not a whole number of {NMnistBin.EventBytes}-byte N-MNIST events (truncated?)");
        return file;
    }

    /// <inheritdoc/>
    public int Count => _samples.Length;
    /// <inheritdoc/>
    public int ClassCount { get; }
    /// <inheritdoc/>
    public int Height { get; }
    /// <inheritdoc/>
    public int Width { get; }
    /// <inheritdoc/>
    public int LabelOf(int index) => _samples[index].Label;
    /// <inheritdoc/>
    public string PathOf(int index) => _samples[index].Path;
    /// <inheritdoc/>
    public EventStream ReadEvents(int index) => NMnistBin.Read(_samples[index].Path, Width, Height).SortedByTime();
}
