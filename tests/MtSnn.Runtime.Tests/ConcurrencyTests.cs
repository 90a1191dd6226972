using MtSnn.Neurons;
using MtSnn.Runtime.Counting;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>One engine used from several threads gives the same logits and counts as sequential use.</summary>
public sealed class ConcurrencyTests
{
    [Theory]
    [InlineData(EngineArithmetic.Float32)]
    [InlineData(EngineArithmetic.Integer)]
    public void Concurrent_inference_is_identical_to_sequential(EngineArithmetic arithmetic)
    {
        var model = Architectures.Build("resnet", NetBuilder.Neuron("pow2", FiringMode.Cascade, 3, Dynamics.LIF, vth: 0.5), 3);
        var engine = new Engine(model, new EngineOptions(arithmetic));
        var rng = new Random(17);
        var inputs = Enumerable.Range(0, 24).Select(_ => NetBuilder.RandomInput(rng, engine.InputSize)).ToArray();
        var sequentialCounts = new OpCounts();
        var expected = inputs.Select(x => engine.Infer(x, sequentialCounts)).ToArray();
        var results = new float[inputs.Length][];
        var perThread = new OpCounts[4];
        var threads = Enumerable.Range(0, 4).Select(th => new Thread(() =>
        {
            var counts = perThread[th] = new OpCounts();
            for (int rep = 0; rep < 3; rep++)
                for (int i = th; i < inputs.Length; i += 4)
                {
                    var r = engine.Infer(inputs[i], rep == 0 ? counts : null);
                    if (rep == 0) results[i] = r; else Assert.Equal(results[i], r);
                }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(expected[i], results[i]);
        var total = new OpCounts();
        foreach (var c in perThread) total.Add(c);
        Assert.Equal(sequentialCounts.Sops, total.Sops);
        Assert.Equal(sequentialCounts.Additions, total.Additions);
        Assert.Equal(sequentialCounts.Inferences, total.Inferences);
    }
}
