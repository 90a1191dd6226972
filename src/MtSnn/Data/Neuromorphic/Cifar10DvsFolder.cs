namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// CIFAR10-DVS (Li et al. 2017) as distributed: <c>ROOT/{airplane,automobile,bird,cat,deer,dog,frog,horse,ship,truck}/*.aedat</c>,
/// AEDAT 2.0, 128x128, decoded with <see cref="Aedat2Layout.Cifar10Dvs"/>. Fixed split as SpikingJelly's
/// <c>split_to_train_test_set(0.9, ..., random_split=False)</c>: in each class the files sorted by name (ordinal)
/// are cut at ceil(n · trainFraction); the first part is train, the rest test (1000 files → 900 / 100).
/// </summary>
public sealed class Cifar10DvsFolder : IEventDataset
{
    private static readonly AedatReadOptions ReadOptions = new() { Layout = Aedat2Layout.Cifar10Dvs };
    private readonly (string Path, int Label)[] _samples;

    /// <summary>Class folder names in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Indexes the train or test part of <paramref name="root"/>.</summary>
    public Cifar10DvsFolder(string root, bool train, double trainFraction = 0.9)
    {
        if (!(trainFraction > 0 && trainFraction < 1)) throw new ArgumentException($"train fraction must be in (0, 1) (got {trainFraction})");
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"CIFAR10-DVS root '{root}' does not exist");
        var samples = new List<(string, int)>();
        for (int label = 0; label < ClassNames.Count; label++)
        {
            string dir = Path.Combine(root, ClassNames[label]);
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"CIFAR10-DVS root '{root}' has no class folder '{ClassNames[label]}' (needs all of {string.Join(", ", ClassNames)})");
            var files = Directory.EnumerateFiles(dir, "*.aedat").Order(StringComparer.Ordinal).ToArray();
            int cut = (int)Math.Ceiling(files.Length * trainFraction);
            var part = train ? files[..cut] : files[cut..];
            foreach (string f in part) AedatReader.CheckHeader(f);   // every header checked at open, before any output
            samples.AddRange(part.Select(f => (f, label)));
        }
        _samples = [.. samples];
    }

    /// <inheritdoc/>
    public int Count => _samples.Length;
    /// <inheritdoc/>
    public int ClassCount => ClassNames.Count;
    /// <inheritdoc/>
    public int Height => 128;
    /// <inheritdoc/>
    public int Width => 128;
    /// <inheritdoc/>
    public int LabelOf(int index) => _samples[index].Label;
    /// <inheritdoc/>
    public string PathOf(int index) => _samples[index].Path;
    /// <inheritdoc/>
    public EventStream ReadEvents(int index) => AedatReader.Read(_samples[index].Path, ReadOptions).SortedByTime();
}
