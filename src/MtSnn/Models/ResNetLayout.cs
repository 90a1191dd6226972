namespace MtSnn.Models;

/// <summary>How a residual block merges its shortcut (MT-SNN.md notation, <c>SN</c> = the neuron layer).</summary>
internal enum ResidualKind
{
    /// <summary>Spiking ResNet (SpikingJelly <c>spiking_resnet</c>, TET's ResNet-19): <c>out = SN(BN(conv2(SN(BN(conv1(x))))) + shortcut(x))</c>.</summary>
    Spiking,
    /// <summary>SEW ResNet with <c>connect_f = ADD</c> (Fang et al. 2021): <c>out = SN(BN(conv2(SN(BN(conv1(x)))))) + shortcut(x)</c>, projection shortcut <c>SN(BN(conv1x1(x)))</c>.</summary>
    SewAdd,
}

/// <summary>The shortcut of a block that changes width or resolution (He et al. 2016).</summary>
internal enum ShortcutKind
{
    /// <summary>Option B: <c>BN(conv1x1, stride s)</c> (torchvision, TET, SpikingJelly).</summary>
    Projection,
    /// <summary>Option A: subsample by s and pad the new channels with zeros; no parameters (the CIFAR ResNet-20 of He et al. §4.2).</summary>
    ZeroPad,
}

/// <summary>
/// A ResNet of <see cref="BasicBlock"/>s: the stem (<c>Conv-BN-SN</c>, plus a 3x3 stride-2 max pool for ImageNet),
/// stages of <see cref="Blocks"/>[i] blocks of width <see cref="Widths"/>[i] whose first block has stride
/// <see cref="Strides"/>[i], global average pooling, then the head: <c>FC(-&gt; classes)</c>, or
/// <c>FC(-&gt; HiddenFeatures)-SN-FC(-&gt; classes)</c> when <see cref="HiddenFeatures"/> is set.
/// </summary>
internal sealed record ResNetLayout(
    int StemWidth, int StemKernel, int StemStride, bool StemMaxPool,
    int[] Widths, int[] Blocks, int[] Strides,
    ShortcutKind Shortcut, ResidualKind Residual, int? HiddenFeatures = null)
{
    /// <summary>TET/TEBN's CIFAR ResNet-19: 3x3 stem 128, stages [3, 3, 2] x [128, 256, 512], head FC 256-SN-FC.</summary>
    public static ResNetLayout ResNet19 { get; } = new(128, 3, 1, false, [128, 256, 512], [3, 3, 2], [1, 2, 2], ShortcutKind.Projection, ResidualKind.Spiking, 256);

    /// <summary>He et al. 2016 §4.2's CIFAR ResNet-20: 3x3 stem 16, stages [3, 3, 3] x [16, 32, 64], option-A shortcuts.</summary>
    public static ResNetLayout ResNet20 { get; } = new(16, 3, 1, false, [16, 32, 64], [3, 3, 3], [1, 2, 2], ShortcutKind.ZeroPad, ResidualKind.Spiking);

    /// <summary>torchvision's ImageNet layout: 7x7/2 stem 64, max pool, stages <paramref name="blocks"/> x [64, 128, 256, 512].</summary>
    public static ResNetLayout ImageNet(int[] blocks, ResidualKind residual) =>
        new(64, 7, 2, true, [64, 128, 256, 512], blocks, [1, 2, 2, 2], ShortcutKind.Projection, residual);
}
