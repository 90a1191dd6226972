using MtSnn.Models;
using MtSnn.Neurons;
using Xunit;
using static MtSnn.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace MtSnn.Tests.Models;

public class ModelZooTests
{
    public ModelZooTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    public static TheoryData<string> AllNames => [.. ModelZoo.Names];

    [Fact]
    public void Names_AreExactlyThePublishedSet()
    {
        Assert.Equal(
            ["digits-cnn", "digits-mlp", "plif-net", "plif-net-vote", "vgg11", "vgg16", "resnet19", "resnet20", "spiking-resnet18", "spiking-resnet34", "sew-resnet18", "sew-resnet34"],
            ModelZoo.Names);
    }

    [Fact]
    public void UnknownName_ThrowsOneLineListingTheAllowedNames()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Create("resnet50", SmallSpec("digits-cnn")));
        Assert.StartsWith("unknown model 'resnet50' (allowed: digits-cnn, digits-mlp, plif-net, plif-net-vote, vgg11,", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Names_AreCaseInsensitive()
    {
        using var model = ModelZoo.Create("Digits-CNN", SmallSpec("digits-cnn"));
        Assert.Equal(10, model.Spec.NumClasses);
    }

    [Fact]
    public void OverrideOfAStageTheModelLacks_ThrowsNamingTheStages()
    {
        var spec = SmallSpec("digits-cnn") with { StageOverrides = new Dictionary<string, NeuronOptions> { ["stage3"] = Plif } };
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Create("digits-cnn", spec));
        Assert.Equal("model 'digits-cnn' has no stage 'stage3' to override (stages: stage1, stage2, classifier)", e.Message);
    }

    [Fact]
    public void Spec_RejectsBadValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Spec(1, 8, 8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Spec(1, 8, 8, 10) with { NumClasses = -1 });
        Assert.Throws<ArgumentException>(() => Spec(1, 8, 8, 10) with { Neuron = new NeuronOptions { Tau = 0.5 } });
        Assert.Throws<ArgumentException>(() => Spec(1, 8, 8, 10, new NeuronOptions { Levels = 0 }));
        Assert.Throws<ArgumentException>(() => SmallSpec("digits-cnn") with
        {
            StageOverrides = new Dictionary<string, NeuronOptions> { ["stage1"] = new() { Mode = FiringMode.Single, Levels = 3 } },
        });
    }

    [Fact]
    public void Spec_NeuronFor_ReturnsTheOverrideOrTheDefault()
    {
        var spec = SmallSpec("digits-cnn") with { StageOverrides = new Dictionary<string, NeuronOptions> { ["stage2"] = Plif } };
        Assert.Same(Plif, spec.NeuronFor("stage2"));
        Assert.Same(spec.Neuron, spec.NeuronFor("stage1"));
        Assert.Empty(SmallSpec("digits-cnn").StageOverrides);
    }

    [Fact]
    public void Vgg_RejectsInputSmallerThan32()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Create("vgg11", Spec(1, 28, 28, 10)));
        Assert.Contains("28x28", e.Message);
    }

    [Fact]
    public void Forward_RejectsAnInputOfTheWrongShape()
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create("digits-cnn", SmallSpec("digits-cnn"));
        var e = Assert.Throws<ArgumentException>(() => model.call(zeros([2, 3, 1, 8, 9])));
        Assert.Equal("model 'digits-cnn' expects input [T, B, 1, 8, 8] (got [2, 3, 1, 8, 9])", e.Message);
        Assert.Throws<ArgumentException>(() => model.call(zeros(3, 1, 8, 8)));
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Forward_GivesLogitsPerStep(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var spec = SmallSpec(name);
        // ImageNet-sized and wide models: T = 1, B = 1 keeps the test fast; the small ones get T = 2, B = 3
        bool big = name.Contains("resnet") || name.StartsWith("vgg");
        long steps = big ? 1 : 2, batch = big ? 1 : 3;
        using var model = ModelZoo.Create(name, spec);
        model.eval();
        var x = rand([steps, batch, spec.Input.Channels, spec.Input.Height, spec.Input.Width]);
        using var noGrad = no_grad();
        var y = model.call(x);
        Assert.Equal([steps, batch, spec.NumClasses], y.shape);
        Assert.True(y.isfinite().all().item<bool>());
    }
}
