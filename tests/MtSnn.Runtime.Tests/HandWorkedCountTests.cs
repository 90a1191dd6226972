using System.Collections.Immutable;
using MtSnn.Neurons;
using MtSnn.Runtime.Counting;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>Counts and logits of tiny models worked out by hand.</summary>
public sealed class HandWorkedCountTests
{
    private static MtSnnModel Tiny(NeuronSpec neuron, int timeSteps, float[] w2, float[]? b2, int out2)
    {
        var graph = new ModelGraph
        {
            InputShape = new Shape3(2, 1, 1), TimeSteps = timeSteps, NumClasses = out2,
            Layers =
            [
                new LinearSpec(2, 3, "w1", null) { Input = -1 },
                new NeuronLayerSpec(neuron) { Input = 0 },
                new LinearSpec(3, out2, "w2", b2 is null ? null : "b2") { Input = 1 },
                new OutputSpec { Input = 2 },
            ],
        };
        List<TensorF32> tensors = [new("w1", [3, 2], [1, 0, 0, 1, 1, 1]), new("w2", [out2, 3], w2)];
        if (b2 is not null) tensors.Add(new("b2", [out2], b2));
        return MtSnnModel.Load(MtSnnModelWriter.ToBytes(graph, tensors));
    }

    [Fact]
    public void If_single_neuron_two_steps()
    {
        // X = W1 x = (1, 0.5, 1.5) at both steps. t0: H = X, S = (1,0,1), V = (0, .5, .5). t1: H = (1, 1, 2), S = (1,1,1).
        // out: t0 = (2, 0), t1 = (3, 1) -> logits (2.5, 0.5).
        var model = Tiny(new NeuronSpec { Reset = ResetMode.Soft }, 2, [1, 1, 1, 0, 1, 0], null, 2);
        var counts = new OpCounts();
        var logits = new Engine(model).Infer([1f, 0.5f], counts);
        Assert.Equal([2.5f, 0.5f], logits);
        var (first, neuron, second, output) = (counts.Layers[0], counts.Layers[1], counts.Layers[2], counts.Layers[3]);
        Assert.Equal(6, first.MacsPerformed);        // computed once
        Assert.Equal(12, first.MacsConvention);      // charged T = 2 times
        Assert.Equal(6, neuron.Comparisons);         // 3 neurons x 2 steps
        Assert.Equal(6 + 5, neuron.Additions);       // charge 6, soft-reset subtractions for 5 spikes
        Assert.Equal(5, neuron.LevelSpikes[0]);
        Assert.Equal(5.0 / 6, neuron.FiringRate, 12);
        Assert.Equal(10, second.Sops);               // 5 spikes x fan-out 2
        Assert.Equal(10, second.WeightReads);
        Assert.Equal(0, second.Multiplications);
        Assert.Equal(4, output.Additions);           // 2 logits x 2 steps
        Assert.Equal(2, output.ReadoutMultiplications);

        var energy = new EnergyModel().Evaluate(counts, model);
        Assert.Equal(4.6 * 12 + 0.9 * 10, energy.SnnPicojoules, 9);
        Assert.Equal(4.6 * (6 + 6), energy.AnnPicojoules, 9); // ANN: 2x3 + 3x2 MACs
    }

    [Fact]
    public void Pow2_cascade_merges_levels_by_horner_doubling()
    {
        // K = 2, theta = (1, 0.5), lambda = (1, 0.5). x = (0.75, 0): X = (0.75, 0, 0.75).
        // Cascade: R = 0.75 < 1 so S1 = 0; R >= 0.5 so S2 = 1 -> O = (0.5, 0, 0.5).
        // Next layer W2 = [[1,0,0],[0,0,2]], b = (0.25, 0): W O + b = (0.75, 1.0).
        // Horner: position 0 (level 1) no events; doubling of 2 outputs; level 2: 2 spikes x fan-out 2 = 4 SOPs.
        var neuron = NeuronSpec.Preset("pow2", FiringMode.Cascade, 2);
        var model = Tiny(neuron, 1, [1, 0, 0, 0, 0, 2], [0.25f, 0], 2);
        var counts = new OpCounts();
        var logits = new Engine(model).Infer([0.75f, 0f], counts);
        Assert.Equal([0.75f, 1.0f], logits);
        var second = counts.Layers[2];
        Assert.Equal(2, second.MergeAdditions);
        Assert.Equal([0, 2], second.LevelMergeAdditions);
        Assert.Equal(4, second.Sops);
        Assert.Equal([0, 4], second.LevelSops);
        Assert.Equal(4, second.IntegerSops);              // level 2 is the unit: lambda_2 / lambda_min = 1
        Assert.Equal(4 + 2 + 2, second.Additions);        // SOPs + doublings + bias
        Assert.Equal([0, 2], counts.Layers[1].LevelSpikes);
    }

    [Fact]
    public void Integer_count_convention_charges_level_one_as_two_unit_events()
    {
        // x = (1.5, 0): X = (1.5, 0, 1.5): R = 1.5 >= 1 -> S1, R = 0.5 >= 0.5 -> S2: O = 1.5 for neurons 0 and 2.
        var model = Tiny(NeuronSpec.Preset("pow2", FiringMode.Cascade, 2), 1, [1, 0, 1], null, 1);
        var counts = new OpCounts();
        var logits = new Engine(model).Infer([1.5f, 0f], counts);
        Assert.Equal([3f], logits);
        Assert.Equal(4, counts.Layers[2].Sops);           // 2 neurons x 2 levels x fan-out 1
        Assert.Equal(2 * 2 + 2 * 1, counts.Layers[2].IntegerSops);
    }
}
