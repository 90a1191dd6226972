using System.Collections.Immutable;
using MtSnn.Neurons;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Tests;

/// <summary>Builds small test models with seeded random dyadic weights (multiples of 1/32, so float sums are exact).</summary>
internal sealed class NetBuilder(Shape3 input, int timeSteps, int seed)
{
    private readonly Random _rng = new(seed);
    private readonly List<LayerSpec> _layers = [];
    private readonly List<TensorF32> _tensors = [];
    private readonly List<Shape3> _shapes = [];

    public int Last => _layers.Count - 1;
    public Shape3 ShapeOf(int i) => i < 0 ? input : _shapes[i];

    private int Add(LayerSpec layer, Shape3 shape, int? from)
    {
        _layers.Add(layer with { Input = from ?? _layers.Count - 1 });
        _shapes.Add(shape);
        return _layers.Count - 1;
    }

    private string Tensor(string name, int[] shape, double lo, double hi)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)(Math.Round((lo + (hi - lo) * _rng.NextDouble()) * 32) / 32);
        _tensors.Add(new TensorF32(name, [.. shape], data));
        return name;
    }

    public int Conv(int outC, int k, int stride = 1, int pad = 0, bool bias = true, int? from = null, double lo = -0.5, double hi = 0.75)
    {
        var x = ShapeOf(from ?? Last);
        int i = _layers.Count;
        var w = Tensor($"l{i}.weight", [outC, x.C, k, k], lo, hi);
        var b = bias ? Tensor($"l{i}.bias", [outC], -0.25, 0.5) : null;
        return Add(new Conv2dSpec(x.C, outC, k, stride, pad, w, b),
            new Shape3(outC, (x.H + 2 * pad - k) / stride + 1, (x.W + 2 * pad - k) / stride + 1), from);
    }

    public int Linear(int outF, bool bias = true, int? from = null, double lo = -0.5, double hi = 0.75)
    {
        var x = ShapeOf(from ?? Last);
        int i = _layers.Count;
        var w = Tensor($"l{i}.weight", [outF, x.Size], lo, hi);
        var b = bias ? Tensor($"l{i}.bias", [outF], -0.25, 0.5) : null;
        return Add(new LinearSpec(x.Size, outF, w, b), new Shape3(outF, 1, 1), from);
    }

    public int Neuron(NeuronSpec n, int? from = null) => Add(new NeuronLayerSpec(n), ShapeOf(from ?? Last), from);
    public int MaxPool(int k, int stride, int pad = 0) { var x = ShapeOf(Last); return Add(new MaxPool2dSpec(k, stride, pad), x with { H = (x.H + 2 * pad - k) / stride + 1, W = (x.W + 2 * pad - k) / stride + 1 }, null); }
    public int AvgPool(int k, int stride) { var x = ShapeOf(Last); return Add(new AvgPool2dSpec(k, stride), x with { H = (x.H - k) / stride + 1, W = (x.W - k) / stride + 1 }, null); }
    public int Flatten() => Add(new FlattenSpec(), new Shape3(ShapeOf(Last).Size, 1, 1), null);
    public int AddOf(int a, int b) => Add(new AddSpec(b), ShapeOf(a), a);

    public (ModelGraph Graph, List<TensorF32> Tensors) Build()
    {
        var layers = _layers.ToList();
        layers.Add(new OutputSpec { Input = layers.Count - 1 });
        var graph = new ModelGraph { InputShape = input, TimeSteps = timeSteps, NumClasses = ShapeOf(Last).Size, Layers = [.. layers] };
        return (graph, _tensors.ToList());
    }

    public MtSnnModel Model() { var (g, t) = Build(); return MtSnnModel.Load(MtSnnModelWriter.ToBytes(g, t)); }

    public static float[] RandomInput(Random rng, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(Math.Round((rng.NextDouble() * 2 - 1) * 16) / 16))];

    public static NeuronSpec Neuron(string preset, FiringMode mode, int levels, Dynamics dyn = Dynamics.IF, ResetMode reset = ResetMode.Soft, double decay = 0.5, double vth = 1.0)
    {
        var spec = preset == "explicit"
            ? new NeuronSpec
            {
                Mode = mode, VThreshold = vth,
                Thresholds = [.. new[] { 1.0, 0.75, 0.5, 0.25 }.Take(levels).Select(t => t * vth)],
                Weights = [.. new[] { 1.0, 0.75, 0.5, 0.25 }.Take(levels)],
            }
            : NeuronSpec.Preset(preset, mode, levels, vth);
        return spec with { Dynamics = dyn, Reset = reset, Decay = decay };
    }
}
