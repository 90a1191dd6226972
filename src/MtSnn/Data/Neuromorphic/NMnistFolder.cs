using System.Globalization;

namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// An N-MNIST-format folder: <c>ROOT/{train|test}/{label}/*.bin</c> (split folder matched ignoring case, so the
/// original <c>Train</c>/<c>Test</c> work; label folders are integers &gt;= 0). Samples are ordered by label, then
/// by file name (ordinal). <see cref="ClassCount"/> is the largest label + 1.
/// </summary>
public sealed class NMnistFolder : IEventDataset
{
    private readonly (string Path, int Label)[] _samples;

    /// <summary>Indexes the <paramref name="train"/> or test split under <paramref name="root"/>; sensor size defaults to N-MNIST's 34x34.</summary>
    public NMnistFolder(string root, bool train, int width = 34, int height = 34)
    {
        string split = train ? "train" : "test";
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"N-MNIST root '{root}' does not exist");
        string dir = Directory.EnumerateDirectories(root).FirstOrDefault(d => string.Equals(Path.GetFileName(d), split, StringComparison.OrdinalIgnoreCase))
            ?? throw new DirectoryNotFoundException($"N-MNIST root '{root}' has no '{split}' folder");
        var samples = new List<(string, int)>();
        foreach (string labelDir in Directory.EnumerateDirectories(dir))
        {
            string name = Path.GetFileName(labelDir);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int label))
                throw new InvalidDataException($"{labelDir}: label folder names must be integers >= 0 (got '{name}')");
            samples.AddRange(Directory.EnumerateFiles(labelDir, "*.bin").Select(f => (f, label)));
        }
        _samples = [.. samples.OrderBy(s => s.Item2).ThenBy(s => Path.GetFileName(s.Item1), StringComparer.Ordinal)];
        if (_samples.Length == 0) throw new InvalidDataException($"{dir}: no .bin files under its label folders");
        ClassCount = _samples.Max(s => s.Label) + 1;
        Width = width; Height = height;
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
