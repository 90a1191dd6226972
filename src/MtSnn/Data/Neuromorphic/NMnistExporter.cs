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
    /// <paramref name="progress"/> receives the running count of samples handled (after each batch of 64);
    /// <paramref name="maxParallelism"/> bounds the threads emulating a batch (-1: all cores).
    /// </summary>
    public static ExportSummary Export(IEnumerable<EmulatorSample> samples, string directory, EmulatorOptions options, int seed,
        int limitPerSplit = int.MaxValue, bool skipExisting = true, IProgress<int>? progress = null, int maxParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var o = options.Validate();
        if (maxParallelism == 0 || maxParallelism < -1) throw new ArgumentException($"max parallelism must be -1 (all cores) or >= 1 (got {maxParallelism})");
        if (limitPerSplit < 0) throw new ArgumentException($"limit per split must be >= 0 (got {limitPerSplit})");
        if (o.CanvasWidth > 256 || o.CanvasHeight > 256)
            throw new ArgumentException($"N-MNIST .bin holds 8-bit addresses: canvas must be at most 256x256 (got {o.CanvasHeight}x{o.CanvasWidth})");
        if (o.DurationMilliseconds * 1000 > NMnistBin.MaxTimestamp)
            throw new ArgumentException($"N-MNIST .bin holds 23-bit timestamps: duration must be at most {NMnistBin.MaxTimestamp} µs (got {o.DurationMilliseconds * 1000} µs)");

        var counts = new int[Splits.Count];
        int written = 0, skipped = 0, handled = 0;
        var batch = new List<(EmulatorSample Sample, string Path, int Seed)>();
        void Flush()
        {
            // samples are independent (own seed, own file): emulate a batch in parallel
            try
            {
                Parallel.ForEach(batch, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism }, job =>
                {
                    var events = EventEmulator.Emulate(job.Sample.Image, job.Sample.Height, job.Sample.Width, o, job.Seed);
                    Directory.CreateDirectory(Path.GetDirectoryName(job.Path)!);
                    NMnistBin.Write(job.Path, events);
                });
            }
            catch (AggregateException e)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            written += batch.Count;
            handled += batch.Count;
            batch.Clear();
            progress?.Report(handled);
        }
        foreach (var sample in samples)
        {
            if (counts.All(c => c >= limitPerSplit)) break;
            ArgumentNullException.ThrowIfNull(sample);
            int s = SplitIndex(sample.Split);
            if (sample.Label < 0) throw new ArgumentException($"label must be >= 0 (got {sample.Label})");
            if (sample.Image is null || sample.Image.Length != (long)sample.Height * sample.Width)
                throw new ArgumentException($"sample image must hold height*width = {(long)sample.Height * sample.Width} values (got {sample.Image?.Length ?? 0})");
            if (counts[s] >= limitPerSplit) continue;
            int k = counts[s]++;
            string folder = Path.Combine(directory, Splits[s], sample.Label.ToString(System.Globalization.CultureInfo.InvariantCulture));
            string path = Path.Combine(folder, $"{k:D5}.bin");
            if (skipExisting && File.Exists(path)) { skipped++; handled++; continue; }
            batch.Add((sample, path, SampleSeed(seed, s, k)));
            if (batch.Count == 64) Flush();
        }
        Flush();
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
