namespace MtSnn.Data;

/// <summary>
/// How a <see cref="DataLoader"/> batches, shuffles, augments and prefetches. Immutable; <see cref="Validate"/> rejects
/// bad values with one line naming the value and what is allowed.
/// </summary>
public sealed record DataLoaderOptions
{
    /// <summary>Samples per batch B (&gt;= 1). Default 64.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Visit the samples in a fresh random order each epoch (seeded by Seed and the epoch). Default true.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Seed of the shuffle and of every augmentation. Default 0.</summary>
    public long Seed { get; init; }
    /// <summary>Drop the last batch when it has fewer than B samples. Default false.</summary>
    public bool DropLast { get; init; }
    /// <summary>Background threads that decode and augment (&gt;= 1). Default: processor count - 1, at least 1.</summary>
    public int Workers { get; init; } = MtSnn.Native.ThreadPolicy.DefaultWorkers;
    /// <summary>Batches prepared ahead of the one the training loop takes (&gt;= 1). Default 4.</summary>
    public int Prefetch { get; init; } = 4;
    /// <summary>
    /// This rank's part of each epoch in data-parallel training (<see cref="Data.DataShard"/>): the loader yields one batch
    /// per global batch, of this rank's part of it (B samples, fewer or none in the last). Default: the whole epoch.
    /// </summary>
    public DataShard Shard { get; init; } = DataShard.Whole;
    /// <summary>Augmentation applied to every sample; null means none.</summary>
    public TransformPipeline? Transform { get; init; }
    /// <summary>
    /// Put every batch in page-locked (pinned) host memory, in the background threads, so that a copy to a CUDA device
    /// with <c>non_blocking: true</c> runs asynchronously (PyTorch's <c>pin_memory=True</c>). Needs a CUDA build of
    /// libtorch; for training on CUDA only. Default false.
    /// </summary>
    public bool PinMemory { get; init; }
    /// <summary>How a batch tensor is pinned (<c>Tensor.pin_memory()</c>); the tests replace it, as the CPU build cannot pin.</summary>
    internal Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> PinFunction { get; init; } = static t => t.pin_memory();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public DataLoaderOptions Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"BatchSize is {BatchSize}; it must be >= 1");
        if (Workers is < 1 or > 256) throw new ArgumentException($"Workers is {Workers}; allowed 1..256");
        if (Prefetch is < 1 or > 1024) throw new ArgumentException($"Prefetch is {Prefetch}; allowed 1..1024");
        Shard.Validate();
        return this;
    }
}
