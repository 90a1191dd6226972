using MtSnn.Neurons;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>
/// The neuron's names in a <c>.mtsnn</c> graph JSON are part of the file format: the engine now reads the enums it
/// shares with the library (MtSnn.Neurons), and a graph written before that still parses to the same spec and is
/// written back byte for byte.
/// </summary>
public sealed class NeuronSpellingTests
{
    // Neuron layers as GraphJson.Write wrote them before the neuron enums were shared (commit a243615).
    private const string Written =
        """{"format_version":1,"input_shape":[1,1,2],"time_steps":2,"num_classes":2,"encoding":"direct","layers":[""" +
        """{"op":"flatten","input":-1},""" +
        """{"op":"neuron","input":0,"dynamics":"plif","mode":"cascade","levels":2,"thresholds":[1,0.5],"weights":[1,0.5],"v_th":1,"decay":0.5,"tau":2,"v_reset":0,"v_init":0,"reset":"hard","decay_input":true},""" +
        """{"op":"neuron","input":1,"dynamics":"if","mode":"parallel","levels":2,"thresholds":[1,0.5],"weights":[0.5,0.5],"v_th":1,"v_reset":0,"v_init":0,"reset":"soft","decay_input":true},""" +
        """{"op":"neuron","input":2,"dynamics":"lif","mode":"single","levels":1,"thresholds":[1],"weights":[1],"v_th":1,"decay":0.25,"tau":4,"v_reset":0,"v_init":0,"reset":"hard","decay_input":false},""" +
        """{"op":"output","input":3}]}""";

    [Fact]
    public void A_graph_written_before_the_shared_enums_parses_to_the_same_neurons_and_writes_back_unchanged()
    {
        var g = GraphJson.Parse(Written);
        var n = g.Layers.OfType<NeuronLayerSpec>().Select(l => l.Neuron).ToArray();
        Assert.Equal((Dynamics.PLIF, FiringMode.Cascade, ResetMode.Hard, true), (n[0].Dynamics, n[0].Mode, n[0].Reset, n[0].DecayInput));
        Assert.Equal((Dynamics.IF, FiringMode.Parallel, ResetMode.Soft), (n[1].Dynamics, n[1].Mode, n[1].Reset));
        Assert.Equal((Dynamics.LIF, FiringMode.Single, ResetMode.Hard, false, 0.25), (n[2].Dynamics, n[2].Mode, n[2].Reset, n[2].DecayInput, n[2].Decay));
        Assert.All(n, s => Assert.Null(s.Problem()));
        Assert.Equal(Written, GraphJson.Write(g));
    }

    [Fact]
    public void Spec_validation_uses_the_shared_messages()
    {
        var cascade = NeuronSpec.Preset("pow2", FiringMode.Cascade, 3);
        Assert.Equal("thresholds must be strictly descending (threshold 2 = 1 >= threshold 1 = 0.5)", (cascade with { Thresholds = [0.5, 1.0, 0.25] }).Problem());
        Assert.Equal("a neuron needs K = 3 weights (got 2)", (cascade with { Weights = [1.0, 0.5] }).Problem());
        Assert.Equal("levels K must be <= 16 (got 17)", (cascade with { Thresholds = [.. Enumerable.Range(0, 17).Select(k => 1.0 / (k + 1))] }).Problem());
        Assert.Equal("single firing needs K = 1 (got K = 3); use parallel or cascade for K > 1", (cascade with { Mode = FiringMode.Single }).Problem());
        Assert.Equal("V_th must be finite and > 0 (got 0)", (cascade with { VThreshold = 0 }).Problem());
        Assert.Equal("decay = 1/tau must be in (0, 1) (got 1)", (cascade with { Dynamics = Dynamics.LIF, Decay = 1 }).Problem());
        Assert.Null((cascade with { Decay = 1 }).Problem());   // IF has no leak
        Assert.Equal("V_init must be finite (got NaN)", (cascade with { VInit = double.NaN }).Problem());
    }

    [Fact]
    public void Presets_are_the_shared_level_tables_times_v_th()
    {
        var u = NeuronSpec.Preset("uniform", FiringMode.Parallel, 4, 0.5);
        Assert.Equal([0.5, 0.375, 0.25, 0.125], u.Thresholds.ToArray());
        Assert.Equal([0.25, 0.25, 0.25, 0.25], u.Weights.ToArray());
        Assert.Equal(NeuronModel.LevelWeights(ThresholdPreset.Pow2, 3).ToArray(), NeuronSpec.Preset("pow2", FiringMode.Cascade, 3).Weights.ToArray());
        Assert.Contains("allowed: pow2, uniform", Assert.Throws<ArgumentException>(() => NeuronSpec.Preset("explicit", FiringMode.Cascade, 3)).Message);
    }
}
