using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// A spiking MLP without BatchNorm for small images: <c>Flatten - FC(C·H·W -&gt; 128)-SN [hidden] - FC(128 -&gt; classes)</c>.
/// Having no batch statistics, its data-parallel gradient equals the single-process gradient of the same global batch
/// (the model the distributed equivalence tests train); trains in seconds on the 8x8 digits.
/// </summary>
internal sealed class DigitsMlp : SpikingModel
{
    internal static readonly string[] StageNames = ["hidden"];

#pragma warning disable IDE1006 // registered names
    private readonly Sequential layers;
#pragma warning restore IDE1006

    public DigitsMlp(ModelSpec spec) : base("digits-mlp", spec, StageNames)
    {
        var input = spec.Input;
        layers = nn.Sequential(
            new SeqToBatch(nn.Sequential(nn.Flatten(), nn.Linear((long)input.Channels * input.Height * input.Width, 128))),
            Neuron("hidden"),
            new SeqToBatch(nn.Linear(128, spec.NumClasses)));
        RegisterComponents();
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x) => layers.call(x);
}
