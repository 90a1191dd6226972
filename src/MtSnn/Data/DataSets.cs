namespace MtSnn.Data;

/// <summary>
/// Opens a data set by name: <c>digits</c> (embedded), <c>fashion-mnist</c>, <c>mnist</c>, <c>cifar10</c>,
/// <c>cifar100</c>, <c>imagefolder</c>. Files are looked for in <c>DIR</c> (the CLI's <c>--data</c>), <c>DIR/NAME</c>,
/// <c>$MTSNN_DATA/NAME</c> and, for Fashion-MNIST, <c>/usr/share/datasets/fashion-mnist</c>; CIFAR also in the
/// archive's own sub-folder (<c>cifar-10-batches-bin</c>, <c>cifar-100-binary</c>) of each. Failures are one
/// <see cref="DatasetException"/> line saying what is missing and how to get it.
/// </summary>
public static class DataSets
{
    /// <summary>Every data set <see cref="Open"/> knows: its name and how it opens a split (adding one = one line here and its reader).</summary>
    private static readonly (string Name, Func<DatasetSplit, DatasetOptions, IImageDataset> Open)[] Entries =
    [
        ("digits", (split, _) => DigitsDataset.Open(split)),
        ("fashion-mnist", (split, options) => IdxDatasets.Open(IdxCollection.FashionMnist, split, options)),
        ("mnist", (split, options) => IdxDatasets.Open(IdxCollection.Mnist, split, options)),
        ("cifar10", OpenCifar10),
        ("cifar100", OpenCifar100),
        ("imagefolder", OpenImageFolder),
    ];

    /// <summary>The names <see cref="Open"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Entries.Select(e => e.Name)];

    /// <summary>
    /// Opens <paramref name="split"/> of data set <paramref name="name"/> (case-insensitive). <paramref name="dir"/>, when
    /// not null, replaces <see cref="DatasetOptions.Dir"/>. For <c>imagefolder</c>, the folder must hold <c>train/</c> and
    /// <c>val/</c> (or <c>test/</c>), each with one sub-folder per class.
    /// </summary>
    public static IImageDataset Open(string name, string? dir, DatasetSplit split, DatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options = (options ?? new DatasetOptions()) with { Dir = dir ?? options?.Dir };
        options.Validate();
        string key = name.ToLowerInvariant();
        foreach (var (n, open) in Entries)
            if (n == key) return open(split, options);
        throw new DatasetException($"unknown data set '{name}'; allowed: {string.Join(", ", Names)}");
    }

    private static IImageDataset OpenCifar10(DatasetSplit split, DatasetOptions options)
    {
        var files = CifarReader.Cifar10Files(split);
        string dir = FindFolder("cifar10", CifarReader.Cifar10Folder, files[0], options,
            "CIFAR-10 cannot be downloaded by MtSnn: unpack cifar-10-binary.tar.gz and pass --data DIR");
        var names = CifarReader.ReadClassNames(Path.Combine(dir, "batches.meta.txt"), 10);
        return CifarReader.ReadCifar10($"cifar10/{SplitName(split)}", [.. files.Select(f => Path.Combine(dir, f))], names);
    }

    private static IImageDataset OpenCifar100(DatasetSplit split, DatasetOptions options)
    {
        string file = CifarReader.Cifar100File(split);
        string dir = FindFolder("cifar100", CifarReader.Cifar100Folder, file, options,
            "CIFAR-100 cannot be downloaded by MtSnn: unpack cifar-100-binary.tar.gz and pass --data DIR");
        bool coarse = options.Cifar100Label == Cifar100Label.Coarse;
        var names = CifarReader.ReadClassNames(Path.Combine(dir, coarse ? "coarse_label_names.txt" : "fine_label_names.txt"), coarse ? 20 : 100);
        return CifarReader.ReadCifar100($"cifar100/{SplitName(split)}", [Path.Combine(dir, file)], options.Cifar100Label, names);
    }

    private static IImageDataset OpenImageFolder(DatasetSplit split, DatasetOptions options)
    {
        var roots = options.SearchDirs("imagefolder", null);
        string[] parts = split == DatasetSplit.Train ? ["train"] : ["val", "test"];
        foreach (string root in roots)
            foreach (string part in parts)
                if (Directory.Exists(Path.Combine(root, part)))
                    return new ImageFolderDataset(Path.Combine(root, part), options.ImageSize, $"imagefolder/{part}");
        string where = roots.Count == 0 ? "no folder (no --data DIR, MTSNN_DATA unset)" : string.Join(", ", roots);
        throw new DatasetException($"imagefolder: no {string.Join(" or ", parts.Select(p => p + "/"))} folder in {where}; pass --data DIR where DIR/train/CLASS/*.jpg and DIR/val/CLASS/*.jpg");
    }

    private static string FindFolder(string name, string archiveFolder, string probe, DatasetOptions options, string hint)
    {
        var searched = new List<string>();
        foreach (string dir in options.SearchDirs(name, null))
        {
            foreach (string candidate in new[] { dir, Path.Combine(dir, archiveFolder) })
            {
                searched.Add(candidate);
                if (File.Exists(Path.Combine(candidate, probe))) return candidate;
            }
        }
        string where = searched.Count == 0 ? "no folder (no --data DIR, MTSNN_DATA unset)" : string.Join(", ", searched);
        throw new DatasetException($"{name}: {probe} not found in {where}; {hint}");
    }

    private static string SplitName(DatasetSplit split) => split == DatasetSplit.Train ? "train" : "test";
}
