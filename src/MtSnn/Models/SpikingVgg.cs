using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// Spiking VGG, CIFAR variant (Simonyan &amp; Zisserman 2015, configurations A = VGG-11 and D = VGG-16):
/// every number <c>n</c> of the configuration is <c>Conv(3x3, p1, -&gt; n)-BN-SN</c>, every <c>M</c> a 2x2
/// pooling, then <c>Flatten - FC(512 (H/32)(W/32) -&gt; classes)</c> (a single FC, as the CIFAR VGGs of the SNN
/// literature; 512 inputs for 32x32). Pooling is average pooling (the SNN convention: it averages graded spikes
/// instead of or-ing them). Stage <c>i</c> is the convs before the i-th pooling (stage1..stage5); the classifier
/// has no neuron.
/// </summary>
internal sealed class SpikingVgg : SpikingModel
{
    /// <summary>Pooling marker in a configuration.</summary>
    private const int M = 0;

    /// <summary>Configuration A (VGG-11).</summary>
    internal static readonly int[] Vgg11 = [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M];

    /// <summary>Configuration D (VGG-16).</summary>
    internal static readonly int[] Vgg16 = [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M];

    internal static readonly string[] StageNames = ["stage1", "stage2", "stage3", "stage4", "stage5"];

#pragma warning disable IDE1006 // registered names
    private readonly Sequential features;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    public SpikingVgg(string name, ModelSpec spec, int[] configuration) : base(name, spec, StageNames)
    {
        Configuration = configuration;
        var input = spec.Input;
        if (input.Height < 32 || input.Width < 32)
            throw new ArgumentException($"{name} needs input height and width >= 32 (five 2x2 poolings; got {input.Height}x{input.Width})");
        var layers = new List<nn.Module<Tensor, Tensor>>();
        long channels = input.Channels;
        int stage = 1;
        foreach (int width in configuration)
        {
            if (width == M)
            {
                layers.Add(new SeqToBatch(nn.AvgPool2d(2)));
                stage++;
                continue;
            }
            layers.Add(ConvBn.Create(channels, width, 3, padding: 1));
            layers.Add(Neuron($"stage{stage}"));
            channels = width;
        }
        features = nn.Sequential(layers);
        long flat = channels * (input.Height / 32) * (input.Width / 32);
        classifier = nn.Sequential(new SeqToBatch(nn.Sequential(nn.Flatten(), nn.Linear(flat, spec.NumClasses))));
        RegisterComponents();
    }

    /// <summary>The configuration the model was built from (widths, 0 = pooling).</summary>
    internal IReadOnlyList<int> Configuration { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x) => classifier.call(features.call(x));
}
