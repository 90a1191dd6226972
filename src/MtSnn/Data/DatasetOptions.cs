namespace MtSnn.Data;

/// <summary>Which CIFAR-100 label a sample carries.</summary>
public enum Cifar100Label
{
    /// <summary>The 100 fine classes.</summary>
    Fine,
    /// <summary>The 20 coarse super-classes.</summary>
    Coarse,
}

/// <summary>
/// How <see cref="DataSets.Open"/> finds and reads a data set. Immutable; <see cref="Validate"/> rejects bad values
/// with one line naming the value and what is allowed.
/// </summary>
public sealed record DatasetOptions
{
    /// <summary>Name of the environment variable that names a data root; data set <c>NAME</c> is looked for in <c>$MTSNN_DATA/NAME</c>.</summary>
    public const string DataVariable = "MTSNN_DATA";

    /// <summary>Explicit folder (the CLI's <c>--data DIR</c>): the data set's files are looked for in DIR, then DIR/NAME. Searched first.</summary>
    public string? Dir { get; init; }
    /// <summary>The data root from the environment (default: <c>$MTSNN_DATA</c>, <see cref="Settings.MtSnnSettings.DataRoot"/>). Searched second, as ROOT/NAME.</summary>
    public string? EnvironmentDir { get; init; } = Settings.MtSnnSettings.Current.DataRoot;
    /// <summary>Also search the folder a system package installs to (e.g. /usr/share/datasets/fashion-mnist). Default true.</summary>
    public bool SearchSystemDirs { get; init; } = true;
    /// <summary>Download missing Fashion-MNIST / MNIST files from the official mirror (SHA-256 verified). Default true.</summary>
    public bool AllowDownload { get; init; } = true;
    /// <summary>Base URL to download from instead of the official mirror (same file names and checksums), or null.</summary>
    public Uri? MirrorOverride { get; init; }
    /// <summary>Where downloads go; null means Dir, else ROOT/NAME of the environment root, else NAME in MtSnn's cache folder (<c>$MTSNN_CACHE</c>, default ~/.cache/mtsnn).</summary>
    public string? DownloadDir { get; init; }
    /// <summary>Time allowed for one file's download. Default 10 minutes.</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Side S of the S x S images an image folder is decoded to (shorter side resized to S, then centre-cropped). Default 224.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>CIFAR-100 label kind. Default fine (100 classes).</summary>
    public Cifar100Label Cifar100Label { get; init; } = Cifar100Label.Fine;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public DatasetOptions Validate()
    {
        if (ImageSize is < 1 or > 4096) throw new ArgumentException($"ImageSize is {ImageSize}; allowed 1..4096");
        if (DownloadTimeout <= TimeSpan.Zero) throw new ArgumentException($"DownloadTimeout is {DownloadTimeout}; it must be positive");
        if (!Enum.IsDefined(Cifar100Label)) throw new ArgumentException($"Cifar100Label is {(int)Cifar100Label}; allowed Fine, Coarse");
        if (MirrorOverride is { IsAbsoluteUri: false }) throw new ArgumentException($"MirrorOverride '{MirrorOverride}' must be an absolute URL");
        return this;
    }

    /// <summary>Folders to search for data set <paramref name="name"/>, in order: Dir, Dir/NAME, ROOT/NAME, then <paramref name="systemDir"/>.</summary>
    public IReadOnlyList<string> SearchDirs(string name, string? systemDir)
    {
        var dirs = new List<string>();
        if (Dir is not null) { dirs.Add(Dir); dirs.Add(Path.Combine(Dir, name)); }
        if (EnvironmentDir is not null) dirs.Add(Path.Combine(EnvironmentDir, name));
        if (SearchSystemDirs && systemDir is not null) dirs.Add(systemDir);
        return dirs;
    }

    /// <summary>The folder downloads of data set <paramref name="name"/> go to: <see cref="DownloadDir"/>, else <see cref="Dir"/>, else ROOT/NAME of <see cref="EnvironmentDir"/>, else CACHE/NAME (<see cref="Settings.MtSnnSettings.CacheRoot"/>).</summary>
    public string DownloadDirFor(string name)
    {
        if (DownloadDir is not null) return DownloadDir;
        if (Dir is not null) return Dir;
        if (EnvironmentDir is not null) return Path.Combine(EnvironmentDir, name);
        return Path.Combine(Settings.MtSnnSettings.Current.CacheRoot, name);
    }
}
