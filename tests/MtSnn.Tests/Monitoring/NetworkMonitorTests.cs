using MtSnn.Kernels;
using MtSnn.Monitoring;
using MtSnn.Neurons;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Monitoring;

/// <summary>
/// <see cref="NetworkMonitor"/> against the oracle: two neuron layers in a row (IF cascade K = 4, then LIF tau 2 parallel
/// K = 3) on inputs on a 1/128 grid, so every charge, threshold comparison and reset is exact in float32 and the fused
/// kernel and the reference must fire identically. The expected spikes, H and V are computed by calling
/// <see cref="ReferenceNeuron.MultiStep"/> directly on the same inputs, not by the monitor's code.
/// </summary>
public class NetworkMonitorTests
{
    private const int T = 5, B = 3, N = 7;

    private static readonly NeuronOptions First = new() { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 4 };
    private static readonly NeuronOptions Second = new() { Dynamics = Dynamics.LIF, Tau = 2, Mode = FiringMode.Parallel, Levels = 3 };

    private static nn.Module<Tensor, Tensor> Net(NeuronBackend backend, NeuronOptions? first = null) => nn.Sequential(
        ("sn1", new MultiThresholdNode(first ?? First) { Backend = backend }),
        ("sn2", new MultiThresholdNode(Second) { Backend = backend }));

    /// <summary>Odd multiples of 1/128 in [-0.5, 2]: exact in float32, never on a threshold.</summary>
    private static Tensor Input(int seed, int batch = B, int steps = T)
    {
        var gen = new Generator((ulong)seed);
        return (randint(-32, 128, [steps, batch, N], generator: gen) * 2 + 1).to_type(float32) / 128;
    }

    /// <summary>The oracle: both layers run on <see cref="ReferenceNeuron.MultiStep"/>, with H and V.</summary>
    private static (NeuronTrace L1, NeuronTrace L2) Oracle(Tensor x, NeuronOptions? first = null)
    {
        var o1 = first ?? First;
        var l1 = ReferenceNeuron.MultiStep(x, full(x.shape[1..], o1.EffectiveVInit), o1, storeMembrane: true);
        var l2 = ReferenceNeuron.MultiStep(l1.O, full(x.shape[1..], Second.EffectiveVInit), Second, storeMembrane: true);
        return (l1, l2);
    }

    private static void AssertRecord(MonitorRecord r, NeuronTrace expected, int sampleOffset, bool membrane)
    {
        var s = expected.Spikes!.to_type(ScalarType.Byte).cpu();
        Assert.Equal((int)s.shape[1], r.Levels);
        Assert.Equal([N], r.NeuronShape);
        for (int t = 0; t < r.Steps; t++)
            for (int b = 0; b < r.Samples; b++)
                for (int n = 0; n < N; n++)
                {
                    for (int k = 0; k < r.Levels; k++)
                        Assert.True(s[t, k, b + sampleOffset, n].item<byte>() == (r.Spike(t, k, b, n) ? 1 : 0), $"{r.Layer} S_{k + 1}[{t}, {b}, {n}]");
                    if (membrane)
                    {
                        Assert.Equal(expected.H![t, b + sampleOffset, n].item<float>(), r.PreFire(t, b, n));
                        Assert.Equal(expected.V![t, b + sampleOffset, n].item<float>(), r.Membrane(t, b, n));
                    }
                }
    }

    private static void Close(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Theory]
    [InlineData(NeuronBackend.Fused, false)]
    [InlineData(NeuronBackend.Reference, false)]
    [InlineData(NeuronBackend.Auto, true)]
    [InlineData(NeuronBackend.Reference, true)]
    public void Records_equal_the_reference_neuron(NeuronBackend backend, bool membrane)
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        using var net = Net(backend);
        using var monitor = NetworkMonitor.Attach(net, new MonitorOptions { MaxSamples = 2, RecordMembrane = membrane });
        Assert.Equal(["sn1", "sn2"], monitor.Layers);
        var x = Input(1);
        using (NewDisposeScope())
        {
            SpikingFunctional.ResetNet(net);
            net.forward(x);
        }
        // the scope above is gone: the records are managed copies
        using var scope = NewDisposeScope();
        var (l1, l2) = Oracle(x);
        var r1 = Assert.Single(monitor.Records("sn1"));
        var r2 = Assert.Single(monitor.Records("sn2"));
        Assert.Equal((T, 2, 4), (r1.Steps, r1.Samples, r1.Levels));
        Assert.Equal(membrane, r1.HasMembrane);
        AssertRecord(r1, l1, 0, membrane);
        AssertRecord(r2, l2, 0, membrane);
        // rates over every sample of the batch, not only the recorded ones
        var rates = monitor.FiringRates;
        var expected1 = l1.Spikes!.transpose(0, 1).reshape(4, -1).to_type(float64).mean([1]).data<double>().ToArray();
        var expected2 = l2.Spikes!.transpose(0, 1).reshape(3, -1).to_type(float64).mean([1]).data<double>().ToArray();
        Assert.Equal("sn1", rates[0].Layer);
        Close(expected1, rates[0].Levels);
        Close(expected2, rates[1].Levels);
        Assert.Contains(expected1, r => r > 0);   // the input makes the layer fire (the test can fail)
        Assert.Contains(expected2, r => r > 0);
    }

    [Fact]
    public void Sample_and_step_limits_bound_the_records_and_a_reset_starts_a_new_sequence()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        using var net = Net(NeuronBackend.Auto);
        using var monitor = NetworkMonitor.Attach(net, ["sn2"], new MonitorOptions { MaxSamples = 4, MaxSteps = 3 });
        var batches = new[] { Input(2), Input(3), Input(4) };   // 3 samples each: 3 + 1 + 0 recorded
        foreach (var x in batches)
        {
            using var scope = NewDisposeScope();
            SpikingFunctional.ResetNet(net);
            net.forward(x);
        }
        using var s = NewDisposeScope();
        var records = monitor.Records("sn2");
        Assert.Equal(2, records.Count);
        Assert.Equal((0, 3, 3), (records[0].Sequence, records[0].Samples, records[0].Steps));
        Assert.Equal((1, 1, 3), (records[1].Sequence, records[1].Samples, records[1].Steps));
        AssertRecord(records[0], Oracle(batches[0]).L2, 0, false);
        AssertRecord(records[1], Oracle(batches[1]).L2, 0, false);
        Assert.Throws<ArgumentOutOfRangeException>(() => records[1].Spike(3, 0, 0, 0));
        Assert.Throws<InvalidOperationException>(() => records[1].Membrane(0, 0, 0));
        // the rates still count all three batches
        var all = cat(batches.Select(b => Oracle(b).L2.Spikes!).ToArray(), 2);
        Close(all.transpose(0, 1).reshape(3, -1).to_type(float64).mean([1]).data<double>().ToArray(), monitor.FiringRates[0].Levels);
    }

    [Fact]
    public void Single_step_calls_record_the_same_sequence_as_one_multi_step_call()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        var single = First with { StepMode = StepMode.Single };
        using var net = Net(NeuronBackend.Auto, single);
        using var monitor = NetworkMonitor.Attach(net, ["sn1"], new MonitorOptions { MaxSamples = 3, RecordMembrane = true });
        var x = Input(5);
        using var scope = NewDisposeScope();
        SpikingFunctional.ResetNet(net);
        var sn1 = (MultiThresholdNode)net.named_children().First().module;
        for (int t = 0; t < T; t++) sn1.forward(x[t]);
        var r = Assert.Single(monitor.Records("sn1"));
        Assert.Equal((T, 3), (r.Steps, r.Samples));
        AssertRecord(r, Oracle(x).L1, 0, true);
    }

    [Fact]
    public void Detach_stops_recording_keeps_the_records_and_leaves_the_nodes_as_they_were()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        using var net = Net(NeuronBackend.Auto);
        var nodes = net.modules().OfType<MultiThresholdNode>().ToArray();
        var monitor = NetworkMonitor.Attach(net, new MonitorOptions { MaxSamples = 10 });
        using var scope = NewDisposeScope();
        SpikingFunctional.ResetNet(net);
        net.forward(Input(6));
        var before = monitor.FiringRates[0].Levels;
        monitor.Dispose();
        Assert.False(monitor.IsAttached);
        SpikingFunctional.ResetNet(net);
        net.forward(Input(7));
        SpikingFunctional.ResetNet(net);
        Assert.Single(monitor.Records("sn1"));
        Assert.Equal(B, monitor.Records("sn1")[0].Samples);
        Assert.Equal(before, monitor.FiringRates[0].Levels);
        foreach (var node in nodes) { Assert.False(node.RecordSpikes); Assert.Null(node.LastSpikes); Assert.Null(node.LastV); }
        monitor.Detach();   // idempotent
    }

    [Fact]
    public void Bad_layer_names_and_options_are_refused_with_the_allowed_values()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        using var net = Net(NeuronBackend.Fused);
        var e = Assert.Throws<ArgumentException>(() => NetworkMonitor.Attach(net, ["features.1"]));
        Assert.Contains("'features.1'", e.Message);
        Assert.Contains("sn1, sn2", e.Message);
        Assert.Contains("named twice", Assert.Throws<ArgumentException>(() => NetworkMonitor.Attach(net, ["sn1", "sn1"])).Message);
        Assert.Contains("fused", Assert.Throws<ArgumentException>(() => NetworkMonitor.Attach(net, new MonitorOptions { RecordMembrane = true })).Message);
        Assert.Contains("MaxSteps must be 1..", Assert.Throws<ArgumentException>(() => NetworkMonitor.Attach(net, new MonitorOptions { MaxSteps = 0 })).Message);
        using var monitor = NetworkMonitor.Attach(net, ["sn2"]);
        Assert.Contains("watches: sn2", Assert.Throws<ArgumentException>(() => monitor.Records("sn1")).Message);
    }
}
