using MtSnn.Data;
using static TorchSharp.torch;

namespace MtSnn.Training.Encoding;

/// <summary>
/// Poisson (Bernoulli) rate encoding: <c>x[t, b, i] = 1</c> with probability <c>p = clamp(image[b, i], 0, 1)</c>, else 0,
/// independently for every step and pixel, so <c>E[mean_t x[t, b, i]] = p</c>. The draws come from a generator seeded by
/// (seed, batchKey), so a batch is encoded the same way on every run (and after a resume).
/// </summary>
public sealed class PoissonEncoder(int steps, long seed) : InputEncoder(steps)
{
    /// <summary>The base seed.</summary>
    public long Seed { get; } = seed;

    /// <inheritdoc/>
    public override Tensor Encode(Tensor images, long batchKey = 0)
    {
        if (images.dim() < 2) throw new ArgumentException($"images must be [B, ...] (got shape [{string.Join(", ", images.shape)}])");
        using var gen = new Generator((ulong)(SampleRandom.Mix((ulong)Seed ^ SampleRandom.Mix((ulong)batchKey)) >> 1), CPU);
        var p = images.detach().clamp(0, 1).to(CPU).unsqueeze(0).expand([Steps, .. images.shape]);
        var u = rand(p.shape, dtype: images.dtype, generator: gen);
        return (u < p).to(images.dtype).to(images.device);
    }
}
