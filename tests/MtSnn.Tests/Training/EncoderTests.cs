using MtSnn.Training.Encoding;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Training;

public class EncoderTests
{
    public EncoderTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Direct_RepeatsTheImageAtEveryStep()
    {
        using var scope = NewDisposeScope();
        var images = arange(2 * 1 * 2 * 3, dtype: float32).reshape(2, 1, 2, 3);
        var x = new DirectEncoder(3).Encode(images);
        Assert.Equal([3L, 2, 1, 2, 3], x.shape);
        for (int t = 0; t < 3; t++) Assert.True(x[t].eq(images).all().item<bool>(), $"step {t} differs from the image");
    }

    [Fact]
    public void Poisson_MeanOverSteps_IsThePixel_WithinBinomialBound()
    {
        using var scope = NewDisposeScope();
        double[] p = [0, 0.1, 0.25, 0.5, 0.9, 1];
        const int steps = 4000;
        var images = tensor(p.Select(v => (float)v).ToArray()).reshape(1, 1, 1, p.Length);
        var x = new PoissonEncoder(steps, seed: 7).Encode(images, batchKey: 3);
        Assert.Equal([(long)steps, 1, 1, 1, p.Length], x.shape);
        Assert.True(x.eq(0).logical_or(x.eq(1)).all().item<bool>(), "Poisson spikes must be 0 or 1");
        var mean = x.mean([0]).flatten().to(float64).data<double>().ToArray();
        for (int i = 0; i < p.Length; i++)
        {
            // mean of N Bernoulli(p): standard deviation sqrt(p (1 - p) / N); 5 sigma fails with probability < 6e-7
            double bound = 5 * Math.Sqrt(p[i] * (1 - p[i]) / steps);
            Assert.True(Math.Abs(mean[i] - p[i]) <= bound, $"pixel {p[i]}: mean {mean[i]} outside {p[i]} +- {bound}");
        }
    }

    [Fact]
    public void Poisson_IsSeeded_ByEncoderSeedAndBatchKey()
    {
        using var scope = NewDisposeScope();
        var images = full(new long[] { 4, 1, 8, 8 }, 0.5f);
        var a = new PoissonEncoder(8, 1).Encode(images, 5);
        var b = new PoissonEncoder(8, 1).Encode(images, 5);
        var c = new PoissonEncoder(8, 1).Encode(images, 6);
        var d = new PoissonEncoder(8, 2).Encode(images, 5);
        Assert.True(a.eq(b).all().item<bool>(), "same seed and key must give the same spikes");
        Assert.False(a.eq(c).all().item<bool>(), "another batch key must give other spikes");
        Assert.False(a.eq(d).all().item<bool>(), "another seed must give other spikes");
    }

    [Fact]
    public void Encoders_RejectTLessThanOne()
    {
        Assert.Contains("T must be >= 1", Assert.Throws<ArgumentException>(() => new DirectEncoder(0)).Message);
        Assert.Contains("T must be >= 1", Assert.Throws<ArgumentException>(() => InputEncoder.Create(EncodingKind.Poisson, -1)).Message);
    }
}
