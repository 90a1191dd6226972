namespace MtSnn.Models;

/// <summary>
/// The models by name. Stages (the keys of <see cref="ModelSpec.StageOverrides"/>) per model:
/// digits-cnn and plif-net: stage1, stage2, classifier; plif-net-vote: stage1, stage2, classifier, output; digits-mlp: hidden; vgg11/vgg16: stage1..stage5 (the convs before each pooling);
/// resnet19: stem, stage1..stage3, classifier; resnet20: stem, stage1..stage3; the ImageNet ResNets: stem,
/// stage1..stage4 (torchvision's layer1..layer4).
/// <list type="bullet">
/// <item><c>digits-cnn</c>: a small conv net for the 8x8 digits (<see cref="DigitsCnn"/>).</item>
/// <item><c>digits-mlp</c>: a spiking MLP without BatchNorm (<see cref="DigitsMlp"/>).</item>
/// <item><c>plif-net</c>: the PLIF paper's Fashion-MNIST net (<see cref="PlifNet"/>).</item>
/// <item><c>plif-net-vote</c>: the same with SpikingJelly's spiking output layer and voting (stage <c>output</c>).</item>
/// <item><c>vgg11</c>, <c>vgg16</c>: CIFAR VGG, configurations A and D, average pooling, one FC (<see cref="SpikingVgg"/>).</item>
/// <item><c>resnet19</c>: TET/TEBN's CIFAR ResNet-19 (<see cref="ResNetLayout.ResNet19"/>).</item>
/// <item><c>resnet20</c>: He et al. 2016's CIFAR ResNet-20, widths 16/32/64, option-A shortcuts (<see cref="ResNetLayout.ResNet20"/>).</item>
/// <item><c>spiking-resnet18</c>, <c>spiking-resnet34</c>: SpikingJelly's spiking_resnet on torchvision's ImageNet layout.</item>
/// <item><c>sew-resnet18</c>, <c>sew-resnet34</c>: SEW ResNet, connect_f = ADD (Fang et al. 2021).</item>
/// </list>
/// </summary>
public static class ModelZoo
{
    private static readonly (string Name, Func<ModelSpec, SpikingModel> Create, bool SpikingOutput)[] Entries =
    [
        ("digits-cnn", spec => new DigitsCnn(spec), false),
        ("digits-mlp", spec => new DigitsMlp(spec), false),
        ("plif-net", spec => new PlifNet(spec), false),
        ("plif-net-vote", spec => new PlifNet(spec, voting: true), true),
        ("vgg11", spec => new SpikingVgg("vgg11", spec, SpikingVgg.Vgg11), false),
        ("vgg16", spec => new SpikingVgg("vgg16", spec, SpikingVgg.Vgg16), false),
        ("resnet19", spec => new SpikingResNet("resnet19", spec, ResNetLayout.ResNet19), false),
        ("resnet20", spec => new SpikingResNet("resnet20", spec, ResNetLayout.ResNet20), false),
        ("spiking-resnet18", spec => new SpikingResNet("spiking-resnet18", spec, ResNetLayout.ImageNet([2, 2, 2, 2], ResidualKind.Spiking)), false),
        ("spiking-resnet34", spec => new SpikingResNet("spiking-resnet34", spec, ResNetLayout.ImageNet([3, 4, 6, 3], ResidualKind.Spiking)), false),
        ("sew-resnet18", spec => new SpikingResNet("sew-resnet18", spec, ResNetLayout.ImageNet([2, 2, 2, 2], ResidualKind.SewAdd)), false),
        ("sew-resnet34", spec => new SpikingResNet("sew-resnet34", spec, ResNetLayout.ImageNet([3, 4, 6, 3], ResidualKind.SewAdd)), false),
    ];

    /// <summary>Every model name, in the order above.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Entries.Select(e => e.Name)];

    /// <summary>The models that end in spiking neurons (stage <see cref="SpikingModel.OutputStage"/>), not a linear classifier.</summary>
    public static IReadOnlyList<string> SpikingOutputNames { get; } = [.. Entries.Where(e => e.SpikingOutput).Select(e => e.Name)];

    /// <summary>
    /// Builds model <paramref name="name"/> (case-insensitive) for <paramref name="spec"/>. Throws
    /// <see cref="ArgumentException"/> on an unknown name, an input the model cannot take, or a stage override the
    /// model does not have.
    /// </summary>
    public static SpikingModel Create(string name, ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(spec);
        foreach (var entry in Entries)
            if (string.Equals(entry.Name, name.Trim(), StringComparison.OrdinalIgnoreCase)) return entry.Create(spec);
        throw new ArgumentException($"unknown model '{name}' (allowed: {string.Join(", ", Names)})");
    }
}
