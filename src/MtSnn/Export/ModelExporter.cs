using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Export;

/// <summary>A model as the deployment engine sees it: the graph and its float32 tensors.</summary>
public sealed record ExportedModel(ModelGraph Graph, IReadOnlyList<TensorF32> Tensors)
{
    /// <summary>
    /// Module path (as in <see cref="SpikingModel.SpikingLayers"/>) of the neuron each <c>neuron</c> layer of the
    /// graph was exported from, by graph layer index. Not written to the file.
    /// </summary>
    public IReadOnlyDictionary<int, string> NeuronPaths { get; init; } = new Dictionary<int, string>();

    /// <summary>The <c>.mtsnn</c> bytes (what <see cref="Write"/> writes).</summary>
    public byte[] ToBytes() => MtSnnModelWriter.ToBytes(Graph, Tensors);

    /// <summary>Writes the <c>.mtsnn</c> file (safetensors + JSON graph, docs/model-format.md), atomically.</summary>
    public void Write(string path) => MtSnnModelWriter.Write(path, Graph, Tensors);
}

/// <summary>
/// Turns a trained <see cref="SpikingModel"/> (in eval mode: batch norm uses its running statistics) into the
/// engine's graph. Batch norm after a convolution is folded into it:
/// <c>W' = W gamma / sqrt(var + eps)</c>, <c>b' = beta + (b - mean) gamma / sqrt(var + eps)</c>.
/// Neurons export their dynamics, firing rule, absolute thresholds <c>theta_k = V_th scale_k</c> (the trained
/// V_th when it is a parameter), weights <c>lambda_k</c>, and <c>decay = 1/tau</c> (PLIF: <c>sigmoid(a)</c> as trained).
/// Layers are walked in registration order (which is forward order in every zoo model); residual blocks export
/// their dataflow explicitly. Anything the engine cannot express is refused with the layer's path.
/// </summary>
public static class ModelExporter
{
    /// <summary>Exports <paramref name="model"/> for <paramref name="timeSteps"/> steps of direct encoding.</summary>
    public static ExportedModel Export(SpikingModel model, int timeSteps)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (timeSteps < 1) throw new ArgumentException($"time steps must be >= 1 (got {timeSteps})");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = model.Spec.Input;
        var b = new GraphBuilder(new Shape3(input.Channels, input.Height, input.Width));
        foreach (var (name, child) in model.named_children()) b.Walk(child, name);
        b.Flush();
        b.Add(new OutputSpec(), null);
        var graph = new ModelGraph
        {
            InputShape = b.InputShape, TimeSteps = timeSteps, NumClasses = model.Spec.NumClasses, Layers = [.. b.Layers],
        };
        return new ExportedModel(graph, b.Tensors) { NeuronPaths = b.NeuronPaths };
    }

    /// <summary>
    /// The engine's description of a neuron layer with its current (trained) parameter values: the same dynamics, mode
    /// and reset types (MtSnn.Neurons, shared with the engine), <c>theta_k = V_th c_k</c>, and <c>decay = 1/tau</c>
    /// (PLIF: <see cref="NeuronModel.Sigmoid"/> of the trained <c>a</c>; IF: unused, the spec's default).
    /// </summary>
    public static NeuronSpec ToSpec(MultiThresholdNode node)
    {
        var o = node.Options;
        double vth = node.VThresholdParam is { } p ? p.to_type(float64).item<double>() : o.VThreshold;
        if (!Enum.IsDefined(o.Mode)) throw UnknownOption.Of(o.Mode, "firing mode");
        if (!Enum.IsDefined(o.EffectiveReset)) throw UnknownOption.Of(o.EffectiveReset, "reset");
        var spec = new NeuronSpec
        {
            Dynamics = o.Dynamics,
            Mode = o.Mode,
            Thresholds = [.. o.ThresholdScales.Select(s => vth * s)],
            Weights = o.LevelWeights,
            VThreshold = vth,
            VReset = o.VReset,
            VInit = o.EffectiveVInit,
            Reset = o.EffectiveReset,
            DecayInput = o.DecayInput,
        };
        return o.Dynamics switch
        {
            Dynamics.IF => spec,
            Dynamics.LIF => spec with { Decay = 1.0 / o.Tau },
            Dynamics.PLIF => spec with { Decay = NeuronModel.Sigmoid(node.PlifA!.to_type(float64).item<double>()) },
            _ => throw UnknownOption.Of(o.Dynamics, "dynamics"),
        };
    }

    private sealed class GraphBuilder(Shape3 inputShape)
    {
        private readonly List<LayerSpec> _layers = [];
        private readonly List<Shape3> _shapes = [];
        private readonly List<TensorF32> _tensors = [];
        private readonly Dictionary<int, string> _neuronPaths = [];
        private (Conv2d Conv, string Path)? _pendingConv;

        public Shape3 InputShape { get; } = inputShape;
        public IReadOnlyList<LayerSpec> Layers => _layers;
        public IReadOnlyList<TensorF32> Tensors => _tensors;
        public IReadOnlyDictionary<int, string> NeuronPaths => _neuronPaths;
        public int Last => _layers.Count - 1;
        private Shape3 Current => Last < 0 ? InputShape : _shapes[Last];

        /// <summary>The layer index the next layer reads (-1: the model input); moved by residual blocks.</summary>
        private int _cursor = -1;

        /// <summary>Appends <paramref name="layer"/> named <paramref name="path"/> (its module path; null for the read-out).</summary>
        public int Add(LayerSpec layer, string? path)
        {
            var shape = ShapeAfter(layer, _cursor < 0 ? InputShape : _shapes[_cursor]);
            _layers.Add(layer with { Input = layer is AddSpec ? layer.Input : _cursor, Name = path });
            _shapes.Add(shape);
            _cursor = Last;
            return Last;
        }

        public void Walk(nn.Module module, string path)
        {
            if (module is not (BatchNorm or Conv2d)) Flush();
            switch (module)
            {
                case Sequential seq:
                    foreach (var (name, child) in seq.named_children()) Walk(child, $"{path}.{name}");
                    break;
                case SeqToBatch s2b:
                    Walk(s2b.Inner, $"{path}.module");
                    break;
                case Conv2d conv:
                    Flush();
                    _pendingConv = (conv, path);
                    break;
                case BatchNorm bn when _pendingConv is { } pc:
                    EmitConv(pc.Conv, pc.Path, bn);
                    _pendingConv = null;
                    break;
                case Linear linear:
                    Add(new LinearSpec((int)linear.in_features, (int)linear.out_features,
                        Tensor($"{path}.weight", linear.weight!), linear.bias is null ? null : Tensor($"{path}.bias", linear.bias)), path);
                    break;
                case Flatten:
                    Add(new FlattenSpec(), path);
                    break;
                case Voting voting:
                    Add(new LinearSpec(voting.Classes * voting.Group, voting.Classes, VotingWeight($"{path}.weight", voting), null), path);
                    break;
                case MaxPool2d mp:
                    if (mp.dilation is { } d && d.Any(v => v != 1) || mp.ceil_mode) throw Unsupported(path, "max pooling with dilation or ceil_mode");
                    Add(new MaxPool2dSpec(Square(mp.kernel_size, path), Square(mp.stride ?? mp.kernel_size, path), Square(mp.padding ?? [0], path)), path);
                    break;
                case AvgPool2d ap:
                    if (ap.padding is { } pad && pad.Any(v => v != 0) || ap.ceil_mode) throw Unsupported(path, "average pooling with padding or ceil_mode");
                    Add(new AvgPool2dSpec(Square(ap.kernel_size, path), Square(ap.stride ?? ap.kernel_size, path)), path);
                    break;
                case AdaptiveAvgPool2d aap:
                    if (aap.output_size.Any(v => v != 1)) throw Unsupported(path, "adaptive average pooling to a size other than 1x1");
                    var cur = _cursor < 0 ? InputShape : _shapes[_cursor];
                    if (cur.H != cur.W) throw Unsupported(path, $"global average pooling of a non-square {cur.H}x{cur.W} map");
                    Add(new AvgPool2dSpec(cur.H, cur.H), path);
                    break;
                case MultiThresholdNode node:
                    _neuronPaths[Add(new NeuronLayerSpec(ToSpec(node)), path)] = path;
                    break;
                case BasicBlock block:
                    WalkBlock(block, path);
                    break;
                default:
                    throw Unsupported(path, $"layer type {module.GetType().Name}");
            }
        }

        /// <summary>
        /// Spiking: <c>out = SN2(BN2(conv2(SN1(BN1(conv1 x)))) + shortcut(x))</c>; SEW-ADD: <c>out = SN2(...) + shortcut(x)</c>.
        /// </summary>
        private void WalkBlock(BasicBlock block, string path)
        {
            int input = _cursor;
            Walk(block.Conv1, $"{path}.conv1");
            Walk(block.Sn1, $"{path}.sn1");
            Walk(block.Conv2, $"{path}.conv2");
            Flush();
            int z = _cursor;
            int identity = input;
            if (block.Downsample is { } down)
            {
                _cursor = input;
                Walk(down, $"{path}.downsample");
                if (block.DownsampleSn is { } dsn) Walk(dsn, $"{path}.downsample_sn");
                Flush();
                identity = _cursor;
            }
            if (block.Residual == ResidualKind.SewAdd)
            {
                _cursor = z;
                Walk(block.Sn2, $"{path}.sn2");
                Add(new AddSpec(identity) { Input = _cursor }, path);
            }
            else
            {
                Add(new AddSpec(identity) { Input = z }, path);
                Walk(block.Sn2, $"{path}.sn2");
            }
        }

        public void Flush()
        {
            if (_pendingConv is not { } pc) return;
            _pendingConv = null;
            EmitConv(pc.Conv, pc.Path, null);
        }

        private void EmitConv(Conv2d conv, string path, BatchNorm? bn)
        {
            if (conv.groups != 1 || conv.dilation.Any(v => v != 1)) throw Unsupported(path, "grouped or dilated convolution");
            if (conv.padding_mode != PaddingModes.Zeros || conv.padding is null)
                throw Unsupported(path, $"padding mode {conv.padding_mode} {conv.padding_type}");
            var w = conv.weight!.to_type(float64);
            var bias = conv.bias is null ? zeros(conv.out_channels, float64) : conv.bias.to_type(float64);
            if (bn is not null)
            {
                // y = gamma (conv(x) + b - mean) / sqrt(var + eps) + beta
                var gamma = bn.weight is null ? ones(conv.out_channels, float64) : bn.weight.to_type(float64);
                var beta = bn.bias is null ? zeros(conv.out_channels, float64) : bn.bias.to_type(float64);
                var scale = gamma / (bn.running_var!.to_type(float64) + bn.eps).sqrt();
                w = w * scale.reshape(-1, 1, 1, 1);
                bias = beta + (bias - bn.running_mean!.to_type(float64)) * scale;
            }
            Add(new Conv2dSpec((int)conv.in_channels, (int)conv.out_channels, Square(conv.kernel_size, path), Square(conv.stride, path),
                Square(conv.padding ?? [0], path), Tensor($"{path}.weight", w), Tensor($"{path}.bias", bias)), path);
        }

        // The voting layer's mean as a fixed linear map: weight[c, c * G + g] = 1 / G, every other entry 0.
        private string VotingWeight(string name, Voting voting)
        {
            int inFeatures = voting.Classes * voting.Group;
            var data = new float[voting.Classes * inFeatures];
            for (int c = 0; c < voting.Classes; c++)
                for (int g = 0; g < voting.Group; g++)
                    data[c * inFeatures + c * voting.Group + g] = 1f / voting.Group;
            _tensors.Add(new TensorF32(name, [voting.Classes, inFeatures], data));
            return name;
        }

        private string Tensor(string name, Tensor t)
        {
            var data = t.detach().to_type(float32).cpu().contiguous().data<float>().ToArray();
            _tensors.Add(new TensorF32(name, [.. t.shape.Select(d => (int)d)], data));
            return name;
        }

        private Shape3 ShapeAfter(LayerSpec layer, Shape3 x) => layer switch
        {
            Conv2dSpec c => new Shape3(c.OutChannels, (x.H + 2 * c.Padding - c.Kernel) / c.Stride + 1, (x.W + 2 * c.Padding - c.Kernel) / c.Stride + 1),
            LinearSpec l => new Shape3(l.OutFeatures, 1, 1),
            FlattenSpec => new Shape3(x.C * x.H * x.W, 1, 1),
            MaxPool2dSpec m => new Shape3(x.C, (x.H + 2 * m.Padding - m.Kernel) / m.Stride + 1, (x.W + 2 * m.Padding - m.Kernel) / m.Stride + 1),
            AvgPool2dSpec a => new Shape3(x.C, (x.H - a.Kernel) / a.Stride + 1, (x.W - a.Kernel) / a.Stride + 1),
            _ => layer.Input >= 0 && layer is AddSpec ? _shapes[layer.Input] : x,
        };

        private static int Square(long[] v, string path) =>
            v.Length == 1 || v.All(e => e == v[0]) ? (int)v[0] : throw Unsupported(path, $"non-square size [{string.Join(", ", v)}]");

        private static NotSupportedException Unsupported(string path, string what) =>
            new($"cannot export '{path}': {what} has no equivalent in the deployment engine");
    }
}
