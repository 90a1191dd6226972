using MtSnn.Data;
using MtSnn.Export;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Runtime;
using MtSnn.Runtime.Counting;
using MtSnn.Runtime.Graph;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Export;

/// <summary>
/// The analytic SOP count (spikes recorded on the TorchSharp model, exact fan-out per input position, pooling applied
/// to the planes) equals, as integers, the SOPs the engine counts where it does the additions, layer by layer and level
/// by level: digits-cnn (average pooling folded into the next linear layer) and plif-net (max pooling of graded spikes).
/// </summary>
public class SopCountTests
{
    public SopCountTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData("digits-cnn", 8, 2)]
    [InlineData("plif-net", 8, 1)]
    public void Analytic_sops_equal_the_engine_count_exactly(string name, int size, int steps)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var neuron = name == "plif-net"
            ? new NeuronOptions { Dynamics = Dynamics.PLIF, Mode = FiringMode.Cascade, Levels = 3, VThreshold = 0.5 }
            : new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Cascade, Levels = 4, VThreshold = 0.5 };
        // Random weights barely drive the classifier's neurons: a low threshold there makes its read-out layer count spikes too.
        var spec = new ModelSpec(new ImageShape(1, size, size), 10, neuron) { StageOverrides = new Dictionary<string, NeuronOptions> { ["classifier"] = neuron with { VThreshold = 0.02 } } };
        using var model = ModelZoo.Create(name, spec);
        const int count = 16;
        var x = rand(count, 1, size, size);
        model.train();
        using (no_grad())
            for (int i = 0; i < 2; i++)
            {
                SpikingFunctional.ResetNet(model);
                model.forward(x.unsqueeze(0).expand(steps, -1, -1, -1, -1) * (1 + 0.5 * i));
            }
        model.eval();
        var images = DeploymentImages.FromPixels("random", new ImageShape(1, size, size), 10, x.contiguous().data<float>().ToArray(), new int[count]);

        var exported = ModelExporter.Export(model, steps);
        var deployed = MtSnnModel.Load(exported.ToBytes());
        var analytic = AnalyticCount.Measure(model, exported, deployed, images, batch: 5);
        var engine = new Engine(deployed);
        var counts = new OpCounts();
        for (int i = 0; i < count; i++) engine.Infer(images.Image(i), counts);

        Assert.Equal(count, analytic.Images);
        for (int i = 0; i < deployed.Graph.Layers.Length; i++)
        {
            var a = analytic.Layers[i];
            var e = counts.Layers[i];
            Assert.True(e.Sops == a.Sops, $"layer {i} ({e.Op}): engine {e.Sops} SOPs, analytic {a.Sops}");
            Assert.Equal(e.IntegerSops, a.IntegerSops);
            Assert.Equal(e.MacsConvention, a.MacsConvention);
            if (a.LevelSops.Length > 0) Assert.Equal(e.LevelSops, a.LevelSops);
            if (a.NeuronSteps > 0) Assert.Equal(e.LevelSpikes, a.LevelSpikes);
        }
        // Every layer reading spikes did event-driven work, so the equality above is not 0 = 0.
        foreach (int i in Enumerable.Range(1, deployed.Graph.Layers.Length - 1).Where(i => deployed.Graph.Layers[i] is Conv2dSpec or LinearSpec))
            Assert.True(analytic.Layers[i].Sops > 0, $"layer {i} had no spikes to count");
    }

    [Fact]
    public void Edge_pixels_have_fewer_synapses_in_the_count()
    {
        // digits-cnn's second conv (3x3, padding 1, 64 outputs) reads the 8x8 planes of neuron layer 1: if every spike
        // were charged the full 64 x 9 synapses the count would be larger than the one the engine agrees with above.
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = ModelZoo.Create("digits-cnn", new ModelSpec(new ImageShape(1, 8, 8), 10, new NeuronOptions { VThreshold = 0.2 }));
        model.eval();
        var x = rand(4, 1, 8, 8);
        var images = DeploymentImages.FromPixels("random", new ImageShape(1, 8, 8), 10, x.contiguous().data<float>().ToArray(), new int[4]);
        var exported = ModelExporter.Export(model, 1);
        var deployed = MtSnnModel.Load(exported.ToBytes());
        var analytic = AnalyticCount.Measure(model, exported, deployed, images);
        long spikes = analytic.Layers[1].LevelSpikes.Sum();
        Assert.True(spikes > 0);
        Assert.True(analytic.Layers[2].Sops < spikes * 64 * 9, $"{analytic.Layers[2].Sops} SOPs for {spikes} spikes");
        Assert.True(analytic.Layers[2].Sops >= spikes * 64 * 4, "a pixel of an 8x8 map has at least the corner's 2x2 taps");
    }
}
