using System.Collections.Concurrent;
using MtSnn.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Data;

/// <summary>
/// PinMemory makes the batch tensors on the worker threads (pinned there). The CPU build of libtorch cannot pin, so the
/// pin step is replaced by a copy (<c>clone</c>); what is tested is everything around it: the same batches, ownership
/// by the taker's dispose scope, and no tensor left alive when an epoch is abandoned.
/// </summary>
public class DataLoaderPinTests
{
    public DataLoaderPinTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    /// <summary>N images [1, 2, 2]; image i holds the bytes (i, 1, 2, 3), label i mod 5.</summary>
    private static ByteImageDataset Synthetic(int n)
    {
        var px = new byte[n * 4];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            px[4 * i] = (byte)i;
            for (int k = 1; k < 4; k++) px[4 * i + k] = (byte)k;
            labels[i] = i % 5;
        }
        return new ByteImageDataset("synthetic", new ImageShape(1, 2, 2), px, labels, 5);
    }

    private static DataLoaderOptions Options(bool pin, ConcurrentBag<Tensor>? made = null) => new()
    {
        BatchSize = 4, Seed = 9, Workers = 2, Prefetch = 2, PinMemory = pin,
        PinFunction = t => { var c = t.clone(); made?.Add(c); return c; },
    };

    [Fact]
    public void PinnedBatches_EqualThePlainOnes_AndBelongToTheTakersScope()
    {
        var made = new ConcurrentBag<Tensor>();
        using var plain = new DataLoader(Synthetic(18), Options(pin: false));
        using var pinned = new DataLoader(Synthetic(18), Options(pin: true, made));
        var held = new List<Tensor>();
        using (var a = plain.Epoch(1).GetEnumerator())
        using (var b = pinned.Epoch(1).GetEnumerator())
        {
            int batches = 0;
            while (true)
            {
                using var scope = NewDisposeScope();   // current when the batch is taken
                if (!a.MoveNext()) break;
                Assert.True(b.MoveNext());
                var (p, q) = (a.Current, b.Current);
                Assert.Equal(p.Indices, q.Indices);
                Assert.Equal(p.Images.shape, q.Images.shape);
                Assert.Equal(p.Images.data<float>().ToArray(), q.Images.data<float>().ToArray());
                Assert.Equal(p.Labels.data<long>().ToArray(), q.Labels.data<long>().ToArray());
                Assert.True(scope.Contains(q.Images) && scope.Contains(q.Labels), "pinned tensors must join the taker's dispose scope");
                held.Add(q.Images);
                held.Add(q.Labels);
                batches++;
            }
            Assert.False(b.MoveNext());
            Assert.Equal(5, batches);   // 18 = 4 x 4 + 2
        }
        Assert.Equal(10, made.Count);
        Assert.All(held, t => Assert.True(t.IsInvalid, "the scope disposed every batch tensor"));
    }

    [Fact]
    public void AbandonedEpoch_DisposesThePrefetchedPinnedBatches()
    {
        var made = new ConcurrentBag<Tensor>();
        using (var loader = new DataLoader(Synthetic(40), Options(pin: true, made)))
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch) { }
                // let the workers prefetch at least one more batch (Prefetch = 2), then leave: that must free it
                Assert.True(SpinWait.SpinUntil(() => made.Count >= 4, TimeSpan.FromSeconds(20)), "the workers prefetched nothing");
                break;
            }
        }
        Assert.All(made, t => Assert.True(t.IsInvalid, "a prefetched pinned tensor was left alive"));
    }

    [Fact]
    public void PinFailure_IsThrownAtTheBatch()
    {
        var options = Options(pin: true) with { PinFunction = _ => throw new InvalidOperationException("no CUDA to pin with") };
        using var loader = new DataLoader(Synthetic(8), options);
        var e = Assert.Throws<InvalidOperationException>(() => { foreach (var batch in loader.Epoch(0)) batch.Dispose(); });
        Assert.Contains("no CUDA", e.Message);
    }
}
