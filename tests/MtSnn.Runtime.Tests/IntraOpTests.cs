using MtSnn.Neurons;
using MtSnn.Runtime.Counting;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>
/// Intra-op threads split each large layer by output rows / columns, so every output element sees the same
/// operations in the same order: logits must be bit-identical to one thread, counts identical, and both must
/// still match the dense reference. The net is large enough (&gt; 100k operations per layer) to fork.
/// </summary>
public sealed class IntraOpTests
{
    private static MtSnnModel WideNet(NeuronSpec n, int channels)
    {
        var b = new NetBuilder(new Shape3(1, 20, 20), 2, seed: 5);
        b.Conv(48, 3, pad: 1); b.Neuron(n); b.MaxPool(2, 2);                      // dense MACs: 48 * 9 * 400 > 100k
        b.Conv(channels, 3, pad: 1, lo: -0.3, hi: 0.4); b.Neuron(n); b.MaxPool(2, 2); // spike conv gather: float 96 = 4-register
        // chunk (64) + memory (32), float 128 = 8-register; int64 96 = 8-register (64) + 4-register (32)
        b.Flatten(); b.Linear(512, lo: -0.2, hi: 0.3); b.Neuron(n); b.Linear(10, lo: -0.4, hi: 0.6);
        return b.Model();
    }

    [Theory]
    [InlineData(EngineArithmetic.Float32, 2, 96)]
    [InlineData(EngineArithmetic.Float32, 3, 96)]
    [InlineData(EngineArithmetic.Float32, 2, 128)]
    [InlineData(EngineArithmetic.Integer, 2, 96)]
    public void Threads_give_identical_logits_and_counts(EngineArithmetic arithmetic, int threads, int channels)
    {
        var model = WideNet(NetBuilder.Neuron("pow2", FiringMode.Cascade, 4, Dynamics.LIF, vth: 0.5), channels);
        var serial = new Engine(model, new EngineOptions(arithmetic, intraOpThreads: 1));
        var parallel = new Engine(model, new EngineOptions(arithmetic, intraOpThreads: threads));
        var reference = new DenseReference(model);
        var rng = new Random(3);
        var cs = new OpCounts();
        var cp = new OpCounts();
        for (int sample = 0; sample < 3; sample++)
        {
            var input = NetBuilder.RandomInput(rng, serial.InputSize);
            var a = serial.Infer(input, cs);
            var b = parallel.Infer(input, cp);
            Assert.Equal(a, b);
            if (arithmetic != EngineArithmetic.Float32) continue;
            var expected = reference.Run(input);
            double tol = 1e-4 * Math.Max(1, expected.Max(Math.Abs));
            for (int j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(b[j] - expected[j]) <= tol, $"logit {j}: engine {b[j]} vs reference {expected[j]}");
        }
        Assert.True(cs.Sops > 0);
        Assert.Equal(cs.Sops, cp.Sops);
        Assert.Equal(cs.MacsPerformed, cp.MacsPerformed);
        Assert.Equal(cs.Additions, cp.Additions);
        for (int i = 0; i < cs.Layers.Count; i++)
        {
            Assert.Equal(cs.Layers[i].Sops, cp.Layers[i].Sops);
            Assert.Equal(cs.Layers[i].MacsPerformed, cp.Layers[i].MacsPerformed);
        }
    }

    [Fact]
    public void Intra_op_threads_are_validated()
    {
        var e = Assert.Throws<ArgumentException>(() => new EngineOptions(intraOpThreads: -1));
        Assert.Contains("0..1024", e.Message);
        Assert.Equal(Environment.ProcessorCount, new EngineOptions().IntraOpThreads);
        Assert.Equal(3, new EngineOptions(intraOpThreads: 3).IntraOpThreads);
    }
}
