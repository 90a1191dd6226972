namespace MtSnn.Data.Neuromorphic;

/// <summary>A static image to convert: h x w values in [0, 1], its label (&gt;= 0) and its split ("train" or "test").</summary>
public sealed record EmulatorSample(float[] Image, int Height, int Width, int Label, string Split);

/// <summary>What <see cref="NMnistExporter.Export"/> did.</summary>
/// <param name="Written">Files written.</param>
/// <param name="Skipped">Files that already existed and were kept.</param>
public sealed record ExportSummary(int Written, int Skipped);

/// <summary>
/// Builds an N-MNIST-format data set from static images: sample k of split s (k counted per split in enumeration
/// order) is emulated with seed mix(seed, s, k) and written atomically to <c>DIR/s/label/kkkkk.bin</c>.
/// The output is a pure function of (samples, options, seed), so an interrupted export can resume.
/// </summary>
public static class NMnistExporter
{
    /// <summary>The two split names.</summary>
    public static IReadOnlyList<string> Splits { get; } = ["train", "test"];

    /// <summary>
    /// Emulates and writes at most <paramref name="limitPerSplit"/> samples of each split; with
    /// <paramref name="skipExisting"/> a file already present is kept (not emulated again).
    /// <paramref name="progress"/> receives the running count of samples handled.
    /// </summary>
    public static ExportSummary Export(IEnumerable<EmulatorSample> samples, string directory, EmulatorOptions options, int seed,
        int limitPerSplit = int.MaxValue, bool skipExisting = true, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var o = options.Validate();
        if (limitPerSplit < 0) throw new ArgumentException($"limit per split must be >= 0 (got {limitPerSplit})");
        if (o.CanvasWidth > 256 || o.CanvasHeight > 256)
            throw new ArgumentException($"N-MNIST .bin holds 8-bit addresses: canvas must be at most 256x256 (got {o.CanvasHeight}x{o.CanvasWidth})");
        if (o.DurationMilliseconds * 1000 > NMnistBin.MaxTimestamp)
            throw new ArgumentException($"N-MNIST .bin holds 23-bit timestamps: duration must be at most {NMnistBin.MaxTimestamp} µs (got {o.DurationMilliseconds * 1000} µs)");

        var counts = new int[Splits.Count];
        int written = 0, skipped = 0, handled = 0;
        foreach (var sample in samples)
        {
            if (counts.All(c => c >= limitPerSplit)) break;
            int s = SplitIndex(sample.Split);
            if (sample.Label < 0) throw new ArgumentException($"label must be >= 0 (got {sample.Label})");
            if (counts[s] >= limitPerSplit) continue;
            int k = counts[s]++;
            string folder = Path.Combine(directory, Splits[s], sample.Label.ToString(System.Globalization.CultureInfo.InvariantCulture));
            string path = Path.Combine(folder, $"{k:D5}.bin");
            if (skipExisting && File.Exists(path)) skipped++;
            else
            {
                Directory.CreateDirectory(folder);
                var events = EventEmulator.Emulate(sample.Image, sample.Height, sample.Width, o, SampleSeed(seed, s, k));
                NMnistBin.Write(path, events);
                written++;
            }
            progress?.Report(++handled);
        }
        return new ExportSummary(written, skipped);
    }

    /// <summary>The emulator seed of sample <paramref name="index"/> of split <paramref name="split"/> (0 train, 1 test): a SplitMix64 hash, the same on every run and platform.</summary>
    public static int SampleSeed(int seed, int split, int index)
    {
        ulong z = unchecked((ulong)(uint)seed << 32 | (ulong)(uint)index) ^ ((ulong)split * 0x9E3779B97F4A7C15UL);
        z = unchecked(z + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }

    private static int SplitIndex(string split) => split switch
    {
        "train" => 0,
        "test" => 1,
        _ => throw new ArgumentException($"split must be 'train' or 'test' (got '{split}')"),
    };
}
