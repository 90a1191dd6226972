using System.Diagnostics;
using MtSnn.Runtime;
using MtSnn.Runtime.Counting;

namespace MtSnn.Export;

/// <summary>The engine on a set of images: predictions, logits, merged operation counts and wall time.</summary>
/// <param name="Predictions">Arg-max class of each image (the first on ties).</param>
/// <param name="Logits">Each image's logits, <c>images x classes</c>.</param>
/// <param name="Counts">Every operation of every inference (per-thread counts merged), or null when not counted.</param>
/// <param name="Seconds">Wall time of the inferences.</param>
/// <param name="ImageSops">Total SOPs of each image, or null when not counted.</param>
/// <param name="ImageSpikes">Spikes of each image per layer and level (layers in graph order, levels within), or null when not counted.</param>
public sealed record EngineRunResult(int[] Predictions, float[] Logits, OpCounts? Counts, double Seconds, long[]? ImageSops, long[][]? ImageSpikes)
{
    /// <summary>Images run.</summary>
    public int Images => Predictions.Length;
    /// <summary>Images per second.</summary>
    public double ImagesPerSecond => Seconds > 0 ? Images / Seconds : double.PositiveInfinity;
    /// <summary>Fraction of predictions equal to <paramref name="labels"/>.</summary>
    public double Accuracy(IReadOnlyList<int> labels) => Images == 0 ? 0 : (double)Enumerable.Range(0, Images).Count(i => Predictions[i] == labels[i]) / Images;
}

/// <summary>Runs an <see cref="Engine"/> over images in parallel: contiguous chunks per thread, one <see cref="OpCounts"/> per chunk, merged at the end.</summary>
public static class EngineRun
{
    /// <summary>Infers every image of <paramref name="images"/> on <paramref name="threads"/> threads (1 = the calling thread, one image at a time).</summary>
    public static EngineRunResult Run(Engine engine, DeploymentImages images, int threads, bool count = true)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(images);
        if (threads < 1) throw new ArgumentException($"--threads must be >= 1 (got {threads})");
        if (images.ImageSize != engine.InputSize)
            throw new ArgumentException($"{images.Name} images are [{images.Shape}] ({images.ImageSize} values), the model's input is {engine.Model.Graph.InputShape} ({engine.InputSize} values)");
        int n = images.Count, classes = engine.NumClasses;
        var logits = new float[(long)n * classes];
        var predictions = new int[n];
        var imageSops = count ? new long[n] : null;
        var imageSpikes = count ? new long[n][] : null;
        var merged = count ? new OpCounts() : null;
        int chunks = Math.Min(n, threads * 8);
        var watch = Stopwatch.StartNew();
        void RunChunk(int c)
        {
            var counts = count ? new OpCounts() : null;
            for (int i = (int)((long)n * c / chunks), end = (int)((long)n * (c + 1) / chunks); i < end; i++)
            {
                var l = logits.AsSpan(i * classes, classes);
                long before = counts?.Sops ?? 0;
                var spikesBefore = counts is null ? null : Spikes(counts);
                engine.Infer(images.Image(i), l, counts);
                if (counts is not null)
                {
                    imageSops![i] = counts.Sops - before;
                    var spikes = Spikes(counts);
                    if (spikesBefore!.Length == spikes.Length) for (int j = 0; j < spikes.Length; j++) spikes[j] -= spikesBefore[j];
                    imageSpikes![i] = spikes;
                }
                predictions[i] = ArgMax(l);
            }
            if (counts is not null) lock (merged!) merged.Add(counts);
        }
        if (threads == 1) for (int c = 0; c < chunks; c++) RunChunk(c);
        else Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, RunChunk);
        watch.Stop();
        return new EngineRunResult(predictions, logits, merged, watch.Elapsed.TotalSeconds, imageSops, imageSpikes);
    }

    private static long[] Spikes(OpCounts counts) => [.. counts.Layers.SelectMany(l => l.LevelSpikes)];

    /// <summary>Index of the largest value (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
