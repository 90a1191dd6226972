namespace MtSnn.Data;

/// <summary>
/// Rank <see cref="Rank"/>'s part of every epoch in data-parallel training over <see cref="Count"/> ranks. All ranks
/// shuffle with the same seed, so they hold the same permutation; global batch g is positions
/// <c>g·B·W .. g·B·W + G_g - 1</c> of it (<c>G_g = min(B·W, N - g·B·W)</c>, B the per-rank batch, W the world size), and
/// rank r takes the contiguous part <c>[⌊r·G_g/W⌋, ⌊(r+1)·G_g/W⌋)</c> of it: B samples for every full global batch, an
/// even split (possibly empty for some ranks when G_g &lt; W) of the last. The union over ranks of their batches g is the
/// single-process batch g of batch size B·W, in the same order.
/// </summary>
public sealed record DataShard(int Rank, int Count)
{
    /// <summary>The single process: the whole epoch.</summary>
    public static DataShard Whole { get; } = new(0, 1);

    /// <summary>Throws when the rank is not in 0 .. Count - 1.</summary>
    public DataShard Validate() => Count >= 1 && Rank >= 0 && Rank < Count ? this
        : throw new ArgumentException($"shard {Rank} of {Count}: the rank must be in 0..{Count - 1} and the count >= 1");

    /// <summary>Global batches of an epoch of <paramref name="samples"/> samples at per-rank batch size <paramref name="batchSize"/>.</summary>
    public int Batches(int samples, int batchSize, bool dropLast) => dropLast
        ? samples / (batchSize * Count)
        : (int)((samples + (long)batchSize * Count - 1) / ((long)batchSize * Count));

    /// <summary>G_g: the samples of global batch <paramref name="batch"/> over all ranks.</summary>
    public int GlobalBatchSize(int batch, int samples, int batchSize) =>
        (int)Math.Clamp(samples - (long)batch * batchSize * Count, 0, (long)batchSize * Count);

    /// <summary>This rank's positions of the epoch's permutation <paramref name="order"/>, global batch after global batch.</summary>
    public int[] Select(int[] order, int batchSize, bool dropLast)
    {
        if (Count == 1) return order;   // the loader stops after Batches(...) batches
        var mine = new List<int>(order.Length / Count + batchSize);
        int batches = Batches(order.Length, batchSize, dropLast);
        for (int g = 0; g < batches; g++)
        {
            long start = (long)g * batchSize * Count;
            int size = GlobalBatchSize(g, order.Length, batchSize);
            int from = (int)((long)Rank * size / Count), to = (int)((long)(Rank + 1) * size / Count);
            for (int i = from; i < to; i++) mine.Add(order[start + i]);
        }
        return [.. mine];
    }
}
