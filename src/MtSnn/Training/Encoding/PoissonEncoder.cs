using TorchSharp;
using MtSnn.Data;
using static TorchSharp.torch;

namespace MtSnn.Training.Encoding;

/// <summary>
/// Poisson (Bernoulli) rate encoding: <c>x[t, b, i] = 1</c> with probability <c>p = clamp(image[b, i], 0, 1)</c>, else 0,
/// independently for every step and pixel, so <c>E[mean_t x[t, b, i]] = p</c>. The draws <c>u ~ U[0, 1)</c> (<c>x = [u &lt; p]</c>)
/// are made on the images' device from a generator seeded by (seed, batchKey), so a batch is encoded the same way on
/// every run (and after a resume) on the same device. On the CPU the generator is a private one; on CUDA it is the
/// device's default generator, re-seeded with the same value (TorchSharp creates only CPU generators), so CUDA draws
/// differ from CPU draws and nothing is copied between host and device.
/// </summary>
public sealed class PoissonEncoder(int steps, long seed) : InputEncoder(steps)
{
    /// <summary>The base seed.</summary>
    public long Seed { get; } = seed;

    /// <inheritdoc/>
    public override Tensor Encode(Tensor images, long batchKey = 0)
    {
        if (images.dim() < 2) throw new ArgumentException($"images must be [B, ...] (got shape [{string.Join(", ", images.shape)}])");
        ulong s = SampleRandom.Mix((ulong)Seed ^ SampleRandom.Mix((ulong)batchKey)) >> 1;
        var p = images.detach().clamp(0, 1).unsqueeze(0).expand([Steps, .. images.shape]);
        Tensor u;
        if (images.device_type == DeviceType.CPU)
        {
            using var gen = new Generator(s, CPU);
            u = rand(p.shape, dtype: images.dtype, generator: gen);
        }
        else
        {
            cuda.manual_seed_all((long)s);
            u = rand(p.shape, dtype: images.dtype, device: images.device);
        }
        return (u < p).to(images.dtype);
    }
}
