using MtSnn.Models;
using MtSnn.Neurons;
using Xunit;
using static MtSnn.Tests.Models.ModelTestSupport;

namespace MtSnn.Tests.Models;

/// <summary>Every neuron follows the spec's neuron, except those of an overridden stage; SpikingLayers is well-formed.</summary>
public class NeuronInjectionTests
{
    public NeuronInjectionTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    public static TheoryData<string> AllNames => [.. ModelZoo.Names];

    private static readonly NeuronOptions Cascade = new() { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 3, VThreshold = 0.5 };

    [Theory]
    [MemberData(nameof(AllNames))]
    public void EveryNeuron_UsesTheSpecsNeuron_AndNamesAreUnique(string name)
    {
        using var model = ModelZoo.Create(name, SmallSpec(name, Cascade));
        Assert.NotEmpty(model.SpikingLayers);
        Assert.All(model.SpikingLayers, layer => Assert.Equal(Cascade, layer.Node.Options));
        var names = model.SpikingLayers.Select(l => l.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        // the listed nodes are all the nodes of the model, each once
        Assert.Equal(model.modules().OfType<MultiThresholdNode>().Count(), names.Count);
    }

    [Fact]
    public void SingleStepOptions_StillRunMultiStep()
    {
        var single = Cascade with { StepMode = StepMode.Single };
        using var model = ModelZoo.Create("digits-cnn", SmallSpec("digits-cnn", single));
        Assert.All(model.SpikingLayers, layer => Assert.Equal(Cascade, layer.Node.Options));
    }

    // Which nodes (positions in forward order, from the architecture) belong to the overridden stage.
    [Theory]
    [InlineData("digits-cnn", "stage2", new[] { 1 })]
    [InlineData("digits-cnn", "classifier", new[] { 2 })]
    [InlineData("plif-net", "stage1", new[] { 0 })]
    [InlineData("plif-net-vote", "output", new[] { 3 })]
    [InlineData("vgg11", "stage3", new[] { 2, 3 })]     // config A: 64 | 128 | 256 256 | 512 512 | 512 512
    [InlineData("vgg16", "stage5", new[] { 10, 11, 12 })] // config D: 2 | 2 | 3 | 3 | 3
    [InlineData("resnet19", "classifier", new[] { 17 })]
    [InlineData("resnet20", "stem", new[] { 0 })]
    [InlineData("sew-resnet18", "stage2", new[] { 5, 6, 7, 8, 9 })] // layer2: block 0 sn1, sn2, downsample_sn; block 1 sn1, sn2
    public void StageOverride_AppliesToExactlyThatStage(string name, string stage, int[] positions)
    {
        var spec = SmallSpec(name) with { StageOverrides = new Dictionary<string, NeuronOptions> { [stage] = Cascade } };
        using var model = ModelZoo.Create(name, spec);
        Assert.Contains(stage, model.Stages);
        for (int i = 0; i < model.SpikingLayers.Count; i++)
            Assert.Equal(positions.Contains(i) ? Cascade : spec.Neuron, model.SpikingLayers[i].Node.Options);
    }

    [Fact]
    public void ResNetStages_AreTorchvisionsLayers()
    {
        var spec = SmallSpec("spiking-resnet18") with { StageOverrides = new Dictionary<string, NeuronOptions> { ["stage3"] = Cascade } };
        using var model = ModelZoo.Create("spiking-resnet18", spec);
        Assert.Equal(["stem", "stage1", "stage2", "stage3", "stage4"], model.Stages);
        Assert.All(model.SpikingLayers, l => Assert.Equal(l.Name.StartsWith("layer3.") ? Cascade : spec.Neuron, l.Node.Options));
    }

    [Fact]
    public void SpikingLayerNames_FollowTorchvision()
    {
        using var model = ModelZoo.Create("sew-resnet18", SmallSpec("sew-resnet18"));
        Assert.Equal(
            ["sn1", "layer1.0.sn1", "layer1.0.sn2", "layer1.1.sn1", "layer1.1.sn2",
             "layer2.0.sn1", "layer2.0.sn2", "layer2.0.downsample_sn", "layer2.1.sn1", "layer2.1.sn2"],
            model.SpikingLayers.Take(10).Select(l => l.Name));
        using var digits = ModelZoo.Create("digits-cnn", SmallSpec("digits-cnn"));
        Assert.Equal(["features.1", "features.3", "classifier.1"], digits.SpikingLayers.Select(l => l.Name));
    }

    [Theory]
    [InlineData("digits-cnn")]
    [InlineData("plif-net")]
    [InlineData("vgg11")]
    [InlineData("resnet19")]
    [InlineData("resnet20")]
    [InlineData("sew-resnet18")]
    public void SpikingLayers_AreInTheOrderTheForwardCallsThem(string name)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var spec = SmallSpec(name);
        using var model = ModelZoo.Create(name, spec);
        model.eval();
        var expected = model.SpikingLayers.Select(l => l.Name).ToHashSet();
        using var recorder = new Recorder(model, expected.Contains);
        using var noGrad = TorchSharp.torch.no_grad();
        model.call(TorchSharp.torch.rand([1, 1, spec.Input.Channels, spec.Input.Height, spec.Input.Width]));
        Assert.Equal(model.SpikingLayers.Select(l => l.Name), recorder.Calls);
    }
}
