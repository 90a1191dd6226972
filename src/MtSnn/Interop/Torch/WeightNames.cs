using System.Text.RegularExpressions;
using MtSnn.Models;

namespace MtSnn.Interop.Torch;

/// <summary>Where one tensor of a foreign state_dict goes in a zoo model.</summary>
internal abstract record NameMapping
{
    /// <summary>Copied into <paramref name="Target"/>; <paramref name="Head"/> marks the classifier, whose shape may differ (then skipped, with the class counts).</summary>
    public sealed record To(string Target, bool Head = false) : NameMapping;

    /// <summary>A convolution bias folded into the batch norm that follows (<c>running_mean -= bias</c>: <c>BN(Wx + b)</c> with mean <c>mu</c> is <c>BN(Wx)</c> with mean <c>mu - b</c>).</summary>
    public sealed record FoldIntoMean(string RunningMean) : NameMapping;

    /// <summary>Not loaded, for <paramref name="Reason"/>.</summary>
    public sealed record Skip(string Reason) : NameMapping;
}

/// <summary>
/// The naming schemes of foreign weight files and how they map onto the zoo's module paths (<c>SpikingModel</c>'s
/// state_dict names). Sources of the foreign names:
/// <list type="bullet">
/// <item>torchvision <c>torchvision/models/resnet.py</c> (<c>conv1</c>, <c>bn1</c>, <c>layerL.B.conv1/bn1/conv2/bn2</c>,
/// <c>layerL.0.downsample.0</c> (1x1 conv) / <c>.1</c> (BN), <c>fc</c>);</item>
/// <item>SpikingJelly <c>spikingjelly/activation_based/model/spiking_resnet.py</c> and <c>sew_resnet.py</c>: the torchvision
/// names plus the neurons <c>sn1</c>, <c>layerL.B.sn1/sn2</c> and (SEW) <c>layerL.0.downsample_sn</c>, whose only
/// parameter is PLIF's <c>w</c> (<c>neuron.ParametricLIFNode</c>: <c>1/tau = sigmoid(w)</c>, our <c>plif_a</c>);</item>
/// <item>SpikingJelly <c>spiking_vgg.py</c> (<c>spiking_vggN_bn</c>): <c>features.i</c> = Conv2d (with bias), BatchNorm2d,
/// neuron per configuration entry, MaxPool2d per <c>M</c>; <c>classifier</c> = the ImageNet head
/// (Linear 25088-4096, neuron, Dropout, Linear 4096-4096, neuron, Dropout, Linear 4096-classes);</item>
/// <item>SpikingJelly <c>parametric_lif_net.py</c> (<c>FashionMNISTNet</c> = <c>MNISTNet</c>): <c>conv_fc.0</c> Conv2d (no bias),
/// <c>.1</c> BN, <c>.2</c> PLIF, <c>.3</c> MaxPool, <c>.4</c>-<c>.7</c> the same, <c>.8</c> Flatten, <c>.9</c> Dropout,
/// <c>.10</c> Linear(C 7 7, 2048), <c>.11</c> PLIF, <c>.12</c> Dropout, <c>.13</c> Linear(2048, 100), <c>.14</c> PLIF,
/// <c>.15</c> VotingLayer(10).</item>
/// </list>
/// A name that already is a zoo module path (MtSnn's own weights) maps to itself.
/// </summary>
internal static class WeightNames
{
    private const string Bn = "(weight|bias|running_mean|running_var|num_batches_tracked)";

    /// <summary>The scheme's description for the report, and the mapping of one source name (null: no counterpart).</summary>
    public static (string Scheme, Func<string, NameMapping?> Map) For(SpikingModel model)
    {
        switch (model)
        {
            case SpikingResNet when model.GetName().StartsWith("spiking-resnet", StringComparison.Ordinal) || model.GetName().StartsWith("sew-resnet", StringComparison.Ordinal):
                return ("torchvision resnet / SpikingJelly spiking_resnet, sew_resnet", ResNet);
            case PlifNet when model.Stages.Contains(SpikingModel.OutputStage):
                return ("SpikingJelly parametric_lif_net.FashionMNISTNet (with its voting head)", PlifNetVoteName);
            case PlifNet:
                return ("SpikingJelly parametric_lif_net.FashionMNISTNet", PlifNetName);
            case SpikingVgg vgg:
                var map = VggNames(vgg.Configuration);
                return ($"SpikingJelly spiking_{model.GetName()}_bn", n => map.TryGetValue(n, out var m) ? m
                    : n.StartsWith("classifier.", StringComparison.Ordinal)
                        ? new NameMapping.Skip("SpikingJelly's ImageNet classifier (Linear 512*7*7 -> 4096 -> 4096 -> classes); this model's CIFAR classifier is one Linear from 512 (H/32)(W/32)")
                        : null);
            default:
                return ("MtSnn module paths", _ => null);
        }
    }

    private static readonly (Regex Pattern, string Target, bool Head)[] ResNetRules =
    [
        (new(@"^conv1\.weight$"), "conv1.module.conv.weight", false),
        (new($@"^bn1\.{Bn}$"), "conv1.module.bn.$1", false),
        (new(@"^sn1\.w$"), "sn1.plif_a", false),
        (new(@"^(layer\d+\.\d+)\.conv([12])\.weight$"), "$1.conv$2.module.conv.weight", false),
        (new($@"^(layer\d+\.\d+)\.bn([12])\.{Bn}$"), "$1.conv$2.module.bn.$3", false),
        (new(@"^(layer\d+\.\d+)\.downsample\.0\.weight$"), "$1.downsample.module.conv.weight", false),
        (new($@"^(layer\d+\.\d+)\.downsample\.1\.{Bn}$"), "$1.downsample.module.bn.$2", false),
        (new(@"^(layer\d+\.\d+)\.(sn1|sn2|downsample_sn)\.w$"), "$1.$2.plif_a", false),
        (new(@"^fc\.(weight|bias)$"), "fc.module.$1", true),
    ];

    private static NameMapping? ResNet(string name) => FirstRule(ResNetRules, name);

    /// <summary>The first rule whose pattern matches <paramref name="name"/>, applied; null when none does.</summary>
    private static NameMapping.To? FirstRule((Regex Pattern, string Target, bool Head)[] rules, string name)
    {
        foreach (var (pattern, target, head) in rules)
            if (pattern.IsMatch(name)) return new NameMapping.To(pattern.Replace(name, target), head);
        return null;
    }

    private static readonly (Regex Pattern, string Target, bool Head)[] PlifRules =
    [
        (new(@"^conv_fc\.0\.weight$"), "features.0.module.conv.weight", false),
        (new($@"^conv_fc\.1\.{Bn}$"), "features.0.module.bn.$1", false),
        (new(@"^conv_fc\.2\.w$"), "features.1.plif_a", false),
        (new(@"^conv_fc\.4\.weight$"), "features.3.module.conv.weight", false),
        (new($@"^conv_fc\.5\.{Bn}$"), "features.3.module.bn.$1", false),
        (new(@"^conv_fc\.6\.w$"), "features.4.plif_a", false),
        (new(@"^conv_fc\.10\.(weight|bias)$"), "classifier.0.module.1.$1", false),
        (new(@"^conv_fc\.11\.w$"), "classifier.1.plif_a", false),
    ];

    private static NameMapping? PlifNetName(string name)
    {
        if (FirstRule(PlifRules, name) is { } mapped) return mapped;
        if (Regex.IsMatch(name, @"^conv_fc\.1[34]\."))
            return new NameMapping.Skip("SpikingJelly's voting head (Linear 2048 -> 100, PLIF, VotingLayer(10)); this model's classifier is one Linear 2048 -> classes");
        return null;
    }

    // plif-net-vote has SpikingJelly's head: Linear 2048 -> 100 (conv_fc.13), PLIF (conv_fc.14), VotingLayer(10).
    private static readonly (Regex Pattern, string Target, bool Head)[] PlifVoteRules =
    [
        (new(@"^conv_fc\.13\.(weight|bias)$"), "classifier.2.module.$1", true),
        (new(@"^conv_fc\.14\.w$"), "classifier.3.plif_a", false),
    ];

    private static NameMapping? PlifNetVoteName(string name) => FirstRule(PlifVoteRules, name) ?? PlifNetName(name);

    /// <summary>SpikingJelly's <c>features.i</c> indices (conv, BN, neuron per width; one max pool per M) against ours (ConvBn, neuron; one pool).</summary>
    private static Dictionary<string, NameMapping> VggNames(IReadOnlyList<int> configuration)
    {
        var map = new Dictionary<string, NameMapping>(StringComparer.Ordinal);
        int theirs = 0, ours = 0;
        foreach (int width in configuration)
        {
            if (width == 0) { theirs++; ours++; continue; }
            map[$"features.{theirs}.weight"] = new NameMapping.To($"features.{ours}.module.conv.weight");
            map[$"features.{theirs}.bias"] = new NameMapping.FoldIntoMean($"features.{ours}.module.bn.running_mean");
            foreach (string p in new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" })
                map[$"features.{theirs + 1}.{p}"] = new NameMapping.To($"features.{ours}.module.bn.{p}");
            map[$"features.{theirs + 2}.w"] = new NameMapping.To($"features.{ours + 1}.plif_a");
            theirs += 3;
            ours += 2;
        }
        return map;
    }
}
