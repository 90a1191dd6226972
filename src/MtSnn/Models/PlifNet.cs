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
/// <para>
/// <c>plif-net-vote</c> (the constructor's <c>voting</c>) ends as SpikingJelly's PLIF net does: <c>FC(2048 -&gt; 10 classes) -
/// SN [output] - Voting(10)</c>, so the prediction is the firing rate of the output neurons, a stage of its own whose
/// neuron <see cref="ModelSpec.StageOverrides"/> (the CLI's <c>--output-neuron</c>) may set apart from the hidden ones.
/// </para>
/// </summary>
internal sealed class PlifNet : SpikingModel
{
    internal static readonly string[] StageNames = ["stage1", "stage2", "classifier"];
    internal static readonly string[] VotingStageNames = [.. StageNames, SpikingModel.OutputStage];

    /// <summary>Output neurons per class of <c>plif-net-vote</c> (SpikingJelly's 100 neurons for 10 classes).</summary>
    internal const int VotesPerClass = 10;

#pragma warning disable IDE1006 // registered names
    private readonly Sequential features;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    /// <summary>
    /// The net with <paramref name="channels"/> conv channels (the paper's and SpikingJelly's default 128; other widths
    /// for tests); <paramref name="voting"/> builds <c>plif-net-vote</c>.
    /// </summary>
    public PlifNet(ModelSpec spec, int channels = 128, bool voting = false) : base(voting ? "plif-net-vote" : "plif-net", spec, voting ? VotingStageNames : StageNames)
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
        classifier = voting
            ? nn.Sequential(
                new SeqToBatch(nn.Sequential(nn.Flatten(), nn.Linear(flat, 2048))),
                Neuron("classifier"),
                new SeqToBatch(nn.Linear(2048, (long)spec.NumClasses * VotesPerClass)),
                Neuron(SpikingModel.OutputStage),
                new SeqToBatch(new Voting(spec.NumClasses, VotesPerClass)))
            : nn.Sequential(
                new SeqToBatch(nn.Sequential(nn.Flatten(), nn.Linear(flat, 2048))),
                Neuron("classifier"),
                new SeqToBatch(nn.Linear(2048, spec.NumClasses)));
        RegisterComponents();
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x) => classifier.call(features.call(x));
}
