using MtSnn.Data;
using TorchSharp;
using Xunit;

namespace MtSnn.Tests.Data;

public class DataLoaderTests
{
    public DataLoaderTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    /// <summary>N images of shape [1, 2, 3]; image i holds bytes (i mod 256, i / 256, 1, 2, 3, 4), label i mod 7.</summary>
    private static ByteImageDataset Synthetic(int n)
    {
        var px = new byte[n * 6];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            px[6 * i] = (byte)(i % 256);
            px[6 * i + 1] = (byte)(i / 256);
            for (int k = 2; k < 6; k++) px[6 * i + k] = (byte)(k - 1);
            labels[i] = i % 7;
        }
        return new ByteImageDataset("synthetic", new ImageShape(1, 2, 3), px, labels, 7);
    }

    private sealed record Seen(int[] Indices, float[] Images, long[] Labels, long[] Shape);

    private static List<Seen> Collect(DataLoader loader, int epoch)
    {
        var list = new List<Seen>();
        foreach (var batch in loader.Epoch(epoch))
        {
            using var scope = torch.NewDisposeScope();
            using (batch)
            {
                Assert.Equal(torch.ScalarType.Float32, batch.Images.dtype);
                Assert.Equal(torch.ScalarType.Int64, batch.Labels.dtype);
                list.Add(new Seen([.. batch.Indices], batch.Images.data<float>().ToArray(), batch.Labels.data<long>().ToArray(), batch.Images.shape));
            }
        }
        return list;
    }

    private static readonly TransformPipeline Augment = new(new RandomCrop(1), new HorizontalFlip());

    [Theory]
    [InlineData(103, 10, false, 11, 3)]
    [InlineData(103, 10, true, 10, 10)]
    [InlineData(100, 10, false, 10, 10)]
    public void EveryEpochCoversEverySampleExactlyOnce(int n, int batchSize, bool dropLast, int batches, int lastSize)
    {
        using var loader = new DataLoader(Synthetic(n), new DataLoaderOptions { BatchSize = batchSize, DropLast = dropLast, Seed = 3, Workers = 2, Prefetch = 2 });
        Assert.Equal(batches, loader.BatchesPerEpoch);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var seen = Collect(loader, epoch);
            Assert.Equal(batches, seen.Count);
            var all = seen.SelectMany(s => s.Indices).ToArray();
            int expected = dropLast ? n / batchSize * batchSize : n;
            Assert.Equal(expected, all.Length);
            Assert.Equal(expected, all.Distinct().Count());
            if (!dropLast) Assert.Equal(Enumerable.Range(0, n), all.Order());
            Assert.Equal(lastSize, seen[^1].Indices.Length);
        }
    }

    [Fact]
    public void BatchTensorsHoldTheSamplesOfTheirIndices()
    {
        var ds = Synthetic(300);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 16, Seed = 9, Workers = 2 });
        var seen = Collect(loader, 0);
        foreach (var s in seen)
        {
            Assert.Equal([s.Indices.Length, 1L, 2L, 3L], s.Shape);
            for (int k = 0; k < s.Indices.Length; k++)
            {
                int i = s.Indices[k];
                Assert.Equal(i % 7, s.Labels[k]);
                Assert.Equal((i % 256) / 255f, s.Images[6 * k]);
                Assert.Equal((i / 256) / 255f, s.Images[6 * k + 1]);
                Assert.Equal(4 / 255f, s.Images[6 * k + 5]);
            }
        }
    }

    [Fact]
    public void SameSeedGivesTheSameBatchesWhateverTheThreadCount()
    {
        var ds = Synthetic(257);
        DataLoaderOptions Opt(int workers) => new() { BatchSize = 8, Seed = 42, Workers = workers, Prefetch = 3, Transform = Augment };
        using var a = new DataLoader(ds, Opt(1));
        using var b = new DataLoader(ds, Opt(3));
        var x = Collect(a, 5);
        var y = Collect(b, 5);
        Assert.Equal(x.Count, y.Count);
        for (int k = 0; k < x.Count; k++)
        {
            Assert.Equal(x[k].Indices, y[k].Indices);
            Assert.Equal(x[k].Images, y[k].Images);
            Assert.Equal(x[k].Labels, y[k].Labels);
        }
        // the augmentation did something: some image differs from its plain (unaugmented) pixels
        using var plain = new DataLoader(ds, Opt(2) with { Transform = null });
        var p = Collect(plain, 5);
        Assert.Equal(p[0].Indices, x[0].Indices);
        Assert.NotEqual(p.SelectMany(s => s.Images), x.SelectMany(s => s.Images));
    }

    [Fact]
    public void DifferentSeedsAndEpochsGiveDifferentOrders()
    {
        var ds = Synthetic(200);
        using var a = new DataLoader(ds, new DataLoaderOptions { BatchSize = 50, Seed = 1 });
        using var b = new DataLoader(ds, new DataLoaderOptions { BatchSize = 50, Seed = 2 });
        Assert.NotEqual(a.Order(0), b.Order(0));
        Assert.NotEqual(a.Order(0), a.Order(1));
        Assert.Equal(a.Order(0), Collect(a, 0).SelectMany(s => s.Indices));
        Assert.Equal(a.Order(4), new DataLoader(ds, new DataLoaderOptions { Seed = 1 }).Order(4));
    }

    [Fact]
    public void WithoutShuffleTheOrderIsTheDataSetOrder()
    {
        using var loader = new DataLoader(Synthetic(30), new DataLoaderOptions { BatchSize = 7, Shuffle = false });
        Assert.Equal(Enumerable.Range(0, 30), Collect(loader, 3).SelectMany(s => s.Indices));
    }

    [Fact]
    public void TensorsDoNotShareMemoryWithReusedBuffers()
    {
        // keep the first batch alive while the loader reuses its buffers for the rest of the epoch
        using var loader = new DataLoader(Synthetic(500), new DataLoaderOptions { BatchSize = 10, Seed = 4, Workers = 2, Prefetch = 2 });
        Batch? first = null;
        float[]? snapshot = null;
        foreach (var batch in loader.Epoch(0))
        {
            if (first is null) { first = batch; snapshot = batch.Images.data<float>().ToArray(); }
            else batch.Dispose();
        }
        Assert.Equal(snapshot, first!.Images.data<float>().ToArray());
        first.Dispose();
    }

    [Fact]
    public void BreakingOutEarlyAndDisposingStopsCleanly()
    {
        var loader = new DataLoader(Synthetic(1000), new DataLoaderOptions { BatchSize = 4, Workers = 2, Prefetch = 2 });
        int taken = 0;
        foreach (var batch in loader.Epoch(0))
        {
            batch.Dispose();
            if (++taken == 3) break;
        }
        Assert.Equal(3, taken);
        Assert.Equal(250, Collect(loader, 1).Count); // still usable after an abandoned epoch
        loader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(2));
    }

    private sealed class FailingDataset(IImageDataset inner, int badIndex) : IImageDataset
    {
        public string Name => inner.Name;
        public int Count => inner.Count;
        public ImageShape Shape => inner.Shape;
        public int NumClasses => inner.NumClasses;
        public IReadOnlyList<string> ClassNames => inner.ClassNames;
        public int LabelOf(int index) => inner.LabelOf(index);
        public void Get(int index, Span<float> pixelsChw, out int label)
        {
            if (index == badIndex) throw new DatasetException($"/data/bad-{index}.jpg: cannot decode image");
            inner.Get(index, pixelsChw, out label);
        }
    }

    [Fact]
    public void ASampleThatFailsSurfacesAtItsBatchWithItsMessage()
    {
        using var loader = new DataLoader(new FailingDataset(Synthetic(40), 25), new DataLoaderOptions { BatchSize = 10, Shuffle = false, Workers = 2 });
        int delivered = 0;
        var e = Assert.Throws<DatasetException>(() => { foreach (var b in loader.Epoch(0)) { b.Dispose(); delivered++; } });
        Assert.Equal("/data/bad-25.jpg: cannot decode image", e.Message);
        Assert.Equal(2, delivered); // batches 0 and 1 (indices 0..19) came before the failing batch 2
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Contains("BatchSize", Assert.Throws<ArgumentException>(() => new DataLoader(Synthetic(5), new DataLoaderOptions { BatchSize = 0 })).Message);
        Assert.Contains("Workers", Assert.Throws<ArgumentException>(() => new DataLoader(Synthetic(5), new DataLoaderOptions { Workers = 0 })).Message);
        Assert.Throws<ArgumentException>(() => new DataLoader(Synthetic(5), new DataLoaderOptions { Transform = new(Normalize.Cifar10) }));
    }
}
