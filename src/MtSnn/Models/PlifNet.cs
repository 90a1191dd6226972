using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// The PLIF paper's Fashion-MNIST net (Fang et al. 2021, "Incorporating Learnable Membrane Time Constant";
/// MT-SNN.md §5): <c>[Conv(C-&gt;128, 3, p1)-BN-SN-MaxPool2] [stage1], the same [stage2], Flatten
/// (128 (H/4)(W/4), 128*7*7 for 28x28) - FC 2048-SN [classifier] - FC(2048 -&gt; classes)</c>.
/// The neuron is whatever the spec says (PLIF in the paper). Differences from the paper's code: no dropout, the
/// linear layers have biases, and the last layer is a plain classifier (no voting layer).
/// </summary>
internal sealed class PlifNet : SpikingModel
{
    internal static readonly string[] StageNames = ["stage1", "stage2", "classifier"];

#pragma warning disable IDE1006 // registered names
    private readonly Sequential features;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    /// <summary>The net with <paramref name="channels"/> conv channels (the paper's and SpikingJelly's default 128; other widths for tests).</summary>
    public PlifNet(ModelSpec spec, int channels = 128) : base("plif-net", spec, StageNames)
    {
        var input = spec.Input;
        if (input.Height < 4 || input.Width < 4)
            throw new ArgumentException($"plif-net needs input height and width >= 4 (got {input.Height}x{input.Width})");
        features = nn.Sequential(
            ConvBn.Create(input.Channels, channels, 3, padding: 1),
            Neuron("stage1"),
            new SeqToBatch(nn.MaxPool2d(2)),
            ConvBn.Create(channels, channels, 3, padding: 1),
            Neuron("stage2"),
            new SeqToBatch(nn.MaxPool2d(2)));
        long flat = (long)channels * (input.Height / 4) * (input.Width / 4);
        classifier = nn.Sequential(
            new SeqToBatch(nn.Sequential(nn.Flatten(), nn.Linear(flat, 2048))),
            Neuron("classifier"),
            new SeqToBatch(nn.Linear(2048, spec.NumClasses)));
        RegisterComponents();
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x) => classifier.call(features.call(x));
}
