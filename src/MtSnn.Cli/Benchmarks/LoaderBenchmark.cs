using System.Diagnostics;
using MtSnn.Data;

namespace MtSnn.Cli.Benchmarks;

/// <summary>Throughput of a <see cref="DataLoader"/>: images per second over repeated passes, median and spread.</summary>
/// <param name="Label">What was measured.</param>
/// <param name="ImagesPerPass">Images delivered in one pass.</param>
/// <param name="MedianImagesPerSecond">Median over the passes.</param>
/// <param name="MinImagesPerSecond">Slowest pass.</param>
/// <param name="MaxImagesPerSecond">Fastest pass.</param>
public sealed record LoaderBenchmarkResult(string Label, int ImagesPerPass, double MedianImagesPerSecond, double MinImagesPerSecond, double MaxImagesPerSecond)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Label}: median {MedianImagesPerSecond:F0} img/s (min {MinImagesPerSecond:F0}, max {MaxImagesPerSecond:F0}), {ImagesPerPass} images per pass";
}

/// <summary>Measures how fast a <see cref="DataLoader"/> delivers batches when the consumer does nothing else.</summary>
public static class LoaderBenchmark
{
    /// <summary>
    /// Runs one warm-up pass and then <paramref name="passes"/> timed passes, each taking up to <paramref name="maxBatches"/>
    /// batches of a fresh epoch and disposing them at once.
    /// </summary>
    public static LoaderBenchmarkResult Run(IImageDataset dataset, DataLoaderOptions options, int passes = 5, int maxBatches = int.MaxValue, string? label = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatches, 1);
        using var loader = new DataLoader(dataset, options);
        var rates = new double[passes];
        int images = 0;
        for (int p = -1; p < passes; p++)
        {
            images = 0;
            var sw = Stopwatch.StartNew();
            int taken = 0;
            foreach (var batch in loader.Epoch(p + 1))
            {
                images += batch.Count;
                batch.Dispose();
                if (++taken >= maxBatches) break;
            }
            sw.Stop();
            if (p >= 0) rates[p] = images / sw.Elapsed.TotalSeconds;
        }
        Array.Sort(rates);
        double median = passes % 2 == 1 ? rates[passes / 2] : 0.5 * (rates[passes / 2 - 1] + rates[passes / 2]);
        return new LoaderBenchmarkResult(label ?? dataset.Name, images, median, rates[0], rates[^1]);
    }
}
