using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// A small conv net for the 8x8 digits (<c>[1, 8, 8]</c>), sized to train in seconds on two CPU cores:
/// <c>Conv(C-&gt;32, 3, p1)-BN-SN [stage1] - Conv(32-&gt;64, 3, p1)-BN-SN [stage2] - AvgPool2 - Flatten
/// - FC(64 (H/2)(W/2) -&gt; 128)-SN [classifier] - FC(128 -&gt; classes)</c> (for 8x8: FC 1024 -&gt; 128).
/// Not a published architecture; average pooling keeps the graded spikes' scale.
/// </summary>
internal sealed class DigitsCnn : SpikingModel
{
    internal static readonly string[] StageNames = ["stage1", "stage2", "classifier"];

#pragma warning disable IDE1006 // registered names
    private readonly Sequential features;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    public DigitsCnn(ModelSpec spec) : base("digits-cnn", spec, StageNames)
    {
        var input = spec.Input;
        if (input.Height < 2 || input.Width < 2)
            throw new ArgumentException($"digits-cnn needs input height and width >= 2 (got {input.Height}x{input.Width})");
        features = nn.Sequential(
            ConvBn.Create(input.Channels, 32, 3, padding: 1),
            Neuron("stage1"),
            ConvBn.Create(32, 64, 3, padding: 1),
            Neuron("stage2"),
            new SeqToBatch(nn.AvgPool2d(2)));
        long flat = 64L * (input.Height / 2) * (input.Width / 2);
        classifier = nn.Sequential(
            new SeqToBatch(nn.Sequential(nn.Flatten(), nn.Linear(flat, 128))),
            Neuron("classifier"),
            new SeqToBatch(nn.Linear(128, spec.NumClasses)));
        RegisterComponents();
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x) => classifier.call(features.call(x));
}
