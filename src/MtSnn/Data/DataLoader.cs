using System.Collections.Concurrent;
using TorchSharp;

namespace MtSnn.Data;

/// <summary>
/// Turns an <see cref="IImageDataset"/> into batches of TorchSharp tensors (<see cref="Batch"/>): images
/// <c>[B, C, H, W]</c> float32, labels <c>[B]</c> int64. Background threads decode and augment up to
/// <c>Prefetch</c> batches ahead of the training loop.
/// <para>
/// Deterministic given the seed, whatever the thread timing: epoch e visits the samples in the order
/// <see cref="Order"/>(e) (a Fisher-Yates shuffle seeded by (Seed, e), or 0..N-1 without shuffling), batch b holds
/// positions b*B .. b*B+B-1 of that order, and sample i is augmented with the generator
/// <see cref="SampleRandom.For"/>(Seed, e, i). Every sample appears exactly once per epoch (the last batch is smaller
/// unless DropLast).
/// </para>
/// </summary>
public sealed class DataLoader : IDisposable
{
    private readonly ConcurrentBag<float[]> _buffers = [];
    private readonly ConcurrentDictionary<LoaderEpoch, byte> _running = new();
    private volatile bool _disposed;

    /// <summary>Creates a loader; throws if the options are invalid or the transform cannot take the data set's images.</summary>
    public DataLoader(IImageDataset dataset, DataLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        Options = (options ?? new DataLoaderOptions()).Validate();
        OutputShape = Options.Transform?.OutputShape(dataset.Shape) ?? dataset.Shape;
        if (dataset.Count == 0) throw new ArgumentException($"{dataset.Name}: the data set is empty");
    }

    /// <summary>The data set.</summary>
    public IImageDataset Dataset { get; }
    /// <summary>The options.</summary>
    public DataLoaderOptions Options { get; }
    /// <summary>Shape [C, H, W] of one image of a batch (after the transform).</summary>
    public ImageShape OutputShape { get; }

    /// <summary>Batches per epoch: ceil(N / (B·W)), or floor(N / (B·W)) with DropLast (W = the shard count, 1 for a single process).</summary>
    public int BatchesPerEpoch => Options.Shard.Batches(Dataset.Count, Options.BatchSize, Options.DropLast);

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the data set's indices.</summary>
    public int[] Order(int epoch)
    {
        var order = new int[Dataset.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (!Options.Shuffle) return order;
        var rng = new SampleRandom(SampleRandom.Mix(SampleRandom.Mix((ulong)Options.Seed) ^ 0x5EED_0F_0DE2UL ^ (ulong)(uint)epoch));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, in order. Background work starts at the first MoveNext and
    /// stops when the enumeration ends or is abandoned (dispose the enumerator, as <c>foreach</c> does). A failure
    /// while reading a sample (e.g. an undecodable image) is thrown here, at the batch that holds it.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Enumerate(epoch);
    }

    private IEnumerable<Batch> Enumerate(int epoch)
    {
        int[] order = Options.Shard.Select(Order(epoch), Options.BatchSize, Options.DropLast);
        using var run = new LoaderEpoch(this, order, epoch);
        _running[run] = 0;
        try
        {
            long[] dims = [0, OutputShape.Channels, OutputShape.Height, OutputShape.Width];
            for (int b = 0; b < run.Batches; b++)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                LoaderEpoch.Filled filled = run.Take(b);
                Batch batch;
                if (filled.Pinned is { } pinned)
                {
                    // made on a worker thread: join this thread's dispose scope, as tensors made here do
                    torch.CurrentDisposeScope?.Attach([pinned.Images, pinned.Labels]);
                    batch = new Batch(pinned.Images, pinned.Labels, filled.Indices);
                }
                else
                {
                    try
                    {
                        dims[0] = filled.Indices.Length;
                        var images = torch.tensor(filled.Images!, dims, torch.float32);
                        var labels = torch.tensor(filled.Labels, torch.int64);
                        batch = new Batch(images, labels, filled.Indices);
                    }
                    finally
                    {
                        ReturnBuffer(filled.Images!);
                    }
                }
                yield return batch;
            }
        }
        finally
        {
            _running.TryRemove(run, out _);
        }
    }

    internal float[] RentBuffer(int length)
    {
        if (length == Options.BatchSize * OutputShape.Size && _buffers.TryTake(out var buf)) return buf;
        return new float[length];
    }

    internal void ReturnBuffer(float[] buffer)
    {
        if (buffer.Length == Options.BatchSize * OutputShape.Size && _buffers.Count < Options.Prefetch + Options.Workers + 2)
            _buffers.Add(buffer);
    }

    /// <summary>Stops every epoch in progress and joins its threads. Later <see cref="Epoch"/> calls throw.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var run in _running.Keys) run.Stop();
        _buffers.Clear();
    }
}
