using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// He et al.'s option-A shortcut on <c>[N, C, H, W]</c>: <c>y = pad_C(x[:, :, ::s, ::s])</c> with
/// <c>(C_out - C) / 2</c> zero channels on each side (as in the reference CIFAR ResNet code); no parameters.
/// </summary>
internal sealed class ZeroPadShortcut : nn.Module<Tensor, Tensor>
{
    private readonly long _stride, _padBefore, _padAfter;

    public ZeroPadShortcut(long inChannels, long outChannels, long stride) : base("zero_pad_shortcut")
    {
        _stride = stride;
        _padBefore = (outChannels - inChannels) / 2;
        _padAfter = outChannels - inChannels - _padBefore;
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var sub = _stride == 1 ? x : x[.., .., TensorIndex.Slice(null, null, _stride), TensorIndex.Slice(null, null, _stride)];
        return nn.functional.pad(sub, [0, 0, 0, 0, _padBefore, _padAfter]).MoveToOuterDisposeScope();
    }
}
