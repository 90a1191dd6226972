using MtSnn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// The two-conv residual block on <c>[T, B, C, H, W]</c> (He et al. 2016) in its spiking forms
/// (<see cref="ResidualKind"/>): with <c>A = SN1(BN1(conv1(x)))</c> (3x3, stride s) and <c>Z = BN2(conv2(A))</c> (3x3),
/// spiking: <c>out = SN2(Z + shortcut(x))</c>; SEW-ADD: <c>out = SN2(Z) + shortcut(x)</c>. The shortcut is the
/// identity, or (when s &gt; 1 or the width changes) <c>downsample(x)</c> = <c>BN(conv1x1(x))</c> (option B, SEW:
/// followed by <c>downsample_sn</c>) or the zero-padding option A. Submodules in forward order: <c>conv1</c>,
/// <c>sn1</c>, <c>conv2</c>, <c>sn2</c>, <c>downsample</c>, <c>downsample_sn</c>.
/// </summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly SeqToBatch _conv1, _conv2;
    private readonly MultiThresholdNode _sn1, _sn2;
    private readonly nn.Module<Tensor, Tensor>? _downsample;
    private readonly MultiThresholdNode? _downsampleSn;
    private readonly ResidualKind _residual;

    /// <summary>A block from <c>inChannels</c> to <c>outChannels</c> with stride <c>stride</c>; <c>neuron</c> makes its neuron layers (all of one stage).</summary>
    public BasicBlock(long inChannels, long outChannels, long stride, ShortcutKind shortcut, ResidualKind residual, Func<MultiThresholdNode> neuron)
        : base("basic_block")
    {
        _residual = residual;
        _conv1 = ConvBn.Create(inChannels, outChannels, 3, stride, padding: 1);
        _sn1 = neuron();
        _conv2 = ConvBn.Create(outChannels, outChannels, 3, 1, padding: 1);
        _sn2 = neuron();
        register_module("conv1", _conv1);
        register_module("sn1", _sn1);
        register_module("conv2", _conv2);
        register_module("sn2", _sn2);
        if (stride == 1 && inChannels == outChannels) return;
        _downsample = shortcut == ShortcutKind.Projection
            ? ConvBn.Create(inChannels, outChannels, 1, stride)
            : new SeqToBatch(new ZeroPadShortcut(inChannels, outChannels, stride));
        register_module("downsample", _downsample);
        if (residual == ResidualKind.SewAdd)
        {
            _downsampleSn = neuron();
            register_module("downsample_sn", _downsampleSn);
        }
    }

    // The parts, for exporters that need the block's dataflow (see Export.ModelExporter).
    internal SeqToBatch Conv1 => _conv1;
    internal MultiThresholdNode Sn1 => _sn1;
    internal SeqToBatch Conv2 => _conv2;
    internal MultiThresholdNode Sn2 => _sn2;
    internal nn.Module<Tensor, Tensor>? Downsample => _downsample;
    internal MultiThresholdNode? DownsampleSn => _downsampleSn;
    internal ResidualKind Residual => _residual;

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var z = _conv2.call(_sn1.call(_conv1.call(x)));
        Tensor output;
        if (_residual == ResidualKind.SewAdd)
        {
            var main = _sn2.call(z);
            var identity = _downsample is null ? x : _downsampleSn!.call(_downsample.call(x));
            output = main + identity;
        }
        else
        {
            var identity = _downsample is null ? x : _downsample.call(x);
            output = _sn2.call(z + identity);
        }
        return output.MoveToOuterDisposeScope();
    }
}
