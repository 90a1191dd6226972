using MtSnn.Neurons;
using MtSnn.Runtime.Counting;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>The engine against the dense double-precision oracle, for every op, firing mode, preset, dynamics, reset and T.</summary>
public sealed class EngineReferenceTests
{
    public static TheoryData<string, string, FiringMode, int, Dynamics, ResetMode, int> Cases()
    {
        var data = new TheoryData<string, string, FiringMode, int, Dynamics, ResetMode, int>();
        var neurons = new (string, FiringMode, int)[]
        {
            ("pow2", FiringMode.Single, 1), ("uniform", FiringMode.Parallel, 4), ("pow2", FiringMode.Parallel, 3),
            ("pow2", FiringMode.Cascade, 4), ("uniform", FiringMode.Cascade, 2), ("explicit", FiringMode.Parallel, 3), ("explicit", FiringMode.Cascade, 3),
        };
        foreach (var arch in Architectures.All)
            foreach (var (preset, mode, k) in neurons)
                foreach (var dyn in new[] { Dynamics.IF, Dynamics.LIF })
                    foreach (var reset in new[] { ResetMode.Soft, ResetMode.Hard })
                        foreach (int t in new[] { 1, 3 })
                            data.Add(arch, preset, mode, k, dyn, reset, t);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Engine_matches_dense_reference_and_counts_match_its_spikes(string arch, string preset, FiringMode mode, int levels, Dynamics dyn, ResetMode reset, int timeSteps)
    {
        var spec = NetBuilder.Neuron(preset, mode, levels, dyn, reset, decay: 0.5, vth: dyn == Dynamics.LIF ? 0.5 : 1.0);
        var model = Architectures.Build(arch, spec, timeSteps, seed: levels * 7 + timeSteps);
        var engine = new Engine(model);
        var reference = new DenseReference(model);
        var counts = new OpCounts();
        var rng = new Random(42);
        for (int sample = 0; sample < 3; sample++)
        {
            var input = NetBuilder.RandomInput(rng, engine.InputSize);
            var expected = reference.Run(input);
            var actual = engine.Infer(input, counts);
            double tol = 1e-4 * Math.Max(1, expected.Max(Math.Abs));
            for (int j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(actual[j] - expected[j]) <= tol, $"logit {j}: engine {actual[j]} vs reference {expected[j]} (sample {sample})");
        }
        var layers = model.Graph.Layers;
        for (int i = 0; i < layers.Length; i++)
        {
            var c = counts.Layers[i];
            if (layers[i] is Conv2dSpec or LinearSpec) Assert.Equal(reference.Sops.GetValueOrDefault(i), c.Sops);
            if (layers[i] is NeuronLayerSpec)
            {
                long neuronSteps = 3L * timeSteps * model.Shapes[i].Size;
                Assert.Equal(neuronSteps, c.NeuronSteps);
                for (int k = 0; k < levels; k++)
                    Assert.Equal(reference.Spikes[i].Sum(s => (long)s[k].Count(b => b)), c.LevelSpikes[k]);
                Assert.Equal(reference.Spikes[i].Sum(s => (long)Enumerable.Range(0, s[0].Length).Count(j => s.Any(p => p[j]))), c.ActiveNeuronSteps);
            }
        }
        if (Architectures.MultiplicationFree.Contains(arch))
        {
            // IF and LIF with tau = 2: the only multiplications are the first layer's MACs (and the read-out scaling)
            Assert.All(counts.Layers.Skip(1), l => { Assert.Equal(0, l.Multiplications); Assert.Equal(0, l.LeakMultiplications); Assert.Equal(0, l.MacsPerformed); });
            Assert.Equal(0, counts.Layers[0].Multiplications);
            Assert.Equal(3 * model.LayerMacs(0), counts.Layers[0].MacsPerformed);
            Assert.Equal(3 * model.LayerMacs(0) * timeSteps, counts.Layers[0].MacsConvention);
            Assert.True(counts.Sops > 0, "some spikes reached a synaptic layer");
        }
    }

    [Fact]
    public void Plif_with_non_power_of_two_tau_counts_its_leak_multiplications()
    {
        var spec = NetBuilder.Neuron("pow2", FiringMode.Cascade, 3, Dynamics.PLIF, decay: 0.6);
        var model = Architectures.Build("mlp", spec, 4);
        var engine = new Engine(model);
        var counts = new OpCounts();
        var input = NetBuilder.RandomInput(new Random(3), engine.InputSize);
        var expected = new DenseReference(model).Run(input);
        var actual = engine.Infer(input, counts);
        for (int j = 0; j < expected.Length; j++) Assert.True(Math.Abs(actual[j] - expected[j]) <= 1e-4 * Math.Max(1, expected.Max(Math.Abs)));
        Assert.Equal(4 * 12, counts.Layers[1].LeakMultiplications); // 12 neurons x T = 4
        Assert.Equal(4 * 10, counts.Layers[3].LeakMultiplications);
        Assert.Equal(0, counts.Layers[1].Shifts);
        Assert.Equal(0, counts.Multiplications);
    }

    [Fact]
    public void Lif_with_tau_two_uses_shifts_not_multiplications()
    {
        var spec = NetBuilder.Neuron("uniform", FiringMode.Parallel, 4, Dynamics.LIF, decay: 0.5);
        var model = Architectures.Build("mlp", spec, 2);
        var counts = new OpCounts();
        new Engine(model).Infer(NetBuilder.RandomInput(new Random(5), 16), counts);
        Assert.Equal(2 * 12, counts.Layers[1].Shifts);
        Assert.Equal(0, counts.LeakMultiplications);
    }
}
