using MtSnn.Neurons;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// A spiking ResNet of <see cref="BasicBlock"/>s laid out by a <see cref="ResNetLayout"/>:
/// <c>conv1-BN-SN [stem] (-MaxPool 3x3/2) - layer1..layerN [stage1..stageN] - AdaptiveAvgPool 1x1 - Flatten
/// - fc</c> (or <c>fc1-fc1_sn [classifier]-fc2</c>). Module paths follow torchvision (<c>conv1</c>, <c>sn1</c>,
/// <c>layer1.0.sn1</c>, ..., <c>fc</c>). Convolutions are initialised as torchvision does
/// (Kaiming normal, fan-out, ReLU gain); batch norm with <c>gamma = 1</c>, <c>beta = 0</c>.
/// </summary>
internal sealed class SpikingResNet : SpikingModel
{
    private readonly SeqToBatch _conv1;
    private readonly MultiThresholdNode _sn1;
    private readonly SeqToBatch? _maxpool;
    private readonly Sequential[] _layers;
    private readonly SeqToBatch _avgpool;
    private readonly SeqToBatch? _fc1;
    private readonly MultiThresholdNode? _fc1Sn;
    private readonly SeqToBatch _fc;

    /// <summary>The stage names of <paramref name="layout"/>: stem, stage1..stageN, and classifier when the head has a neuron.</summary>
    internal static string[] StageNames(ResNetLayout layout) =>
        ["stem", .. Enumerable.Range(1, layout.Widths.Length).Select(i => $"stage{i}"), .. layout.HiddenFeatures is null ? Array.Empty<string>() : ["classifier"]];

    public SpikingResNet(string name, ModelSpec spec, ResNetLayout layout) : base(name, spec, StageNames(layout))
    {
        _conv1 = ConvBn.Create(spec.Input.Channels, layout.StemWidth, layout.StemKernel, layout.StemStride, padding: layout.StemKernel / 2);
        _sn1 = Neuron("stem");
        register_module("conv1", _conv1);
        register_module("sn1", _sn1);
        if (layout.StemMaxPool)
        {
            _maxpool = new SeqToBatch(nn.MaxPool2d(3, stride: 2, padding: 1));
            register_module("maxpool", _maxpool);
        }

        long channels = layout.StemWidth;
        _layers = new Sequential[layout.Widths.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            string stage = $"stage{i + 1}";
            for (int b = 0; b < layout.Blocks[i]; b++)
            {
                long stride = b == 0 ? layout.Strides[i] : 1;
                blocks.Add(new BasicBlock(channels, layout.Widths[i], stride, layout.Shortcut, layout.Residual, () => Neuron(stage)));
                channels = layout.Widths[i];
            }
            _layers[i] = nn.Sequential(blocks);
            register_module($"layer{i + 1}", _layers[i]);
        }

        _avgpool = new SeqToBatch(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()));
        register_module("avgpool", _avgpool);
        if (layout.HiddenFeatures is int hidden)
        {
            _fc1 = new SeqToBatch(nn.Linear(channels, hidden));
            _fc1Sn = Neuron("classifier");
            register_module("fc1", _fc1);
            register_module("fc1_sn", _fc1Sn);
            channels = hidden;
        }
        _fc = new SeqToBatch(nn.Linear(channels, spec.NumClasses));
        register_module(_fc1 is null ? "fc" : "fc2", _fc);
        InitialiseConvolutions();
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x)
    {
        var y = _sn1.call(_conv1.call(x));
        if (_maxpool is not null) y = _maxpool.call(y);
        foreach (var layer in _layers) y = layer.call(y);
        y = _avgpool.call(y);
        if (_fc1 is not null && _fc1Sn is not null) y = _fc1Sn.call(_fc1.call(y));
        return _fc.call(y);
    }

    private void InitialiseConvolutions()
    {
        using var noGrad = no_grad();
        foreach (var module in modules())
            if (module is Conv2d conv)
                nn.init.kaiming_normal_(conv.weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
    }
}
