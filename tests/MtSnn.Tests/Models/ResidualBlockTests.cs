using MtSnn.Models;
using Xunit;
using static MtSnn.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace MtSnn.Tests.Models;

/// <summary>
/// The residual wiring, observed through forward hooks on a whole model: spiking ResNet adds before the last
/// neuron, <c>out = SN2(Z + shortcut(x))</c>; SEW-ADD after it, <c>out = SN2(Z) + shortcut(x)</c>.
/// </summary>
public class ResidualBlockTests
{
    public ResidualBlockTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static Recorder Run(string name, out SpikingModel model)
    {
        manual_seed(7);
        var spec = SmallSpec(name, Lif with { VThreshold = 0.3 }); // low threshold: plenty of spikes everywhere
        model = ModelZoo.Create(name, spec);
        model.train();
        var recorder = new Recorder(model, n => n.StartsWith("layer1.0") || n.StartsWith("layer2.0"));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        model.call(rand([2, 2, spec.Input.Channels, spec.Input.Height, spec.Input.Width]) * 2);
        return recorder;
    }

    private static void Same(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(allclose(expected, actual, rtol: 1e-5, atol: 1e-5), $"max difference {(expected - actual).abs().max().item<float>()}");
    }

    [Fact]
    public void SpikingResNet_AddsTheShortcutBeforeTheLastNeuron()
    {
        using var recorder = Run("spiking-resnet18", out var model);
        using var _ = model;
        var r = recorder.Last;
        // identity shortcut (layer1.0): the last neuron's input is Z + x, and its output is the block's output
        Same(r["layer1.0.conv2"].Output + r["layer1.0"].Input, r["layer1.0.sn2"].Input);
        Same(r["layer1.0.sn2"].Output, r["layer1.0"].Output);
        // projection shortcut (layer2.0): Z + BN(conv1x1(x)), and no neuron on the shortcut
        Same(r["layer2.0.conv2"].Output + r["layer2.0.downsample"].Output, r["layer2.0.sn2"].Input);
        Assert.DoesNotContain("layer2.0.downsample_sn", r.Keys);
        // the block output is a spike plane: values 0 or 1
        Assert.True(r["layer1.0"].Output.eq(0).logical_or(r["layer1.0"].Output.eq(1)).all().item<bool>());
    }

    [Fact]
    public void SewResNet_AddsTheShortcutAfterTheLastNeuron()
    {
        using var recorder = Run("sew-resnet18", out var model);
        using var _ = model;
        var r = recorder.Last;
        Same(r["layer1.0.conv2"].Output, r["layer1.0.sn2"].Input);
        Same(r["layer1.0.sn2"].Output + r["layer1.0"].Input, r["layer1.0"].Output);
        // projection: SN(BN(conv1x1(x)))
        Same(r["layer2.0.downsample"].Output, r["layer2.0.downsample_sn"].Input);
        Same(r["layer2.0.sn2"].Output + r["layer2.0.downsample_sn"].Output, r["layer2.0"].Output);
        // spikes plus spikes: some outputs reach 2
        Assert.True(r["layer1.0"].Output.max().item<float>() == 2f);
    }

    [Fact]
    public void ResNet20_ShortcutSubsamplesAndZeroPadsTheChannels()
    {
        using var recorder = Run("resnet20", out var model);
        using var _ = model;
        var r = recorder.Last;
        // layer2.0 goes from 16 channels at 32x32 to 32 channels at 16x16: shortcut = x[..., ::2, ::2] with
        // 8 zero channels before and 8 after (He et al.'s option A)
        var x = r["layer2.0"].Input; // [T, B, 16, 32, 32]
        Assert.Equal([2L, 2, 16, 32, 32], x.shape);
        var sub = x[.., .., .., TensorIndex.Slice(0, null, 2), TensorIndex.Slice(0, null, 2)];
        var zerosPlane = zeros([2, 2, 8, 16, 16]);
        var shortcut = cat([zerosPlane, sub, zerosPlane], 2);
        Same(r["layer2.0.conv2"].Output + shortcut, r["layer2.0.sn2"].Input);
    }
}
