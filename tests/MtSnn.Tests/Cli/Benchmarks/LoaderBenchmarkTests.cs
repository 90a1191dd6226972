using MtSnn.Cli.Benchmarks;
using MtSnn.Data;
using Xunit;

namespace MtSnn.Tests.Cli.Benchmarks;

/// <summary>The loader benchmark counts the images it was given and reports a median within its spread.</summary>
public class LoaderBenchmarkTests
{
    [Fact]
    public void It_counts_the_images_of_a_pass_and_orders_min_median_max()
    {
        var ds = DataSets.Open("digits", null, DatasetSplit.Test);
        var r = LoaderBenchmark.Run(ds, new DataLoaderOptions { BatchSize = 16, Workers = 1, Prefetch = 2 }, passes: 3, maxBatches: 4, label: "digits test");
        Assert.Equal(64, r.ImagesPerPass);
        Assert.InRange(r.MedianImagesPerSecond, r.MinImagesPerSecond, r.MaxImagesPerSecond);
        Assert.True(r.MinImagesPerSecond > 0);
        Assert.StartsWith("digits test: median ", r.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => LoaderBenchmark.Run(ds, new DataLoaderOptions(), passes: 0));
    }
}
