using MtSnn.Runtime;
using MtSnn.Runtime.Graph;

namespace MtSnn.Export;

/// <summary>
/// The analytic energy count of MT-SNN.md §4 from spike planes measured outside the engine (e.g. on the TorchSharp
/// model): <c>SOPs(layer) = sum_t sum_k sum_i S_k[t, i] fan_out(i)</c>, where <c>S_k</c> are the binary planes of
/// the layer's input and <c>fan_out</c> comes from <see cref="FanOut"/>. The planes of each <c>neuron</c> layer are
/// given per image; the graph's pooling between a neuron and the synaptic layer reading it is applied to them:
/// a max pooling of spikes keeps, per window, the planes of the element with the largest graded value
/// <c>O = sum_k lambda_k S_k</c> (the first in row-major order on ties); an average pooling with stride = kernel is
/// folded into the next layer (<see cref="FanOut.ThroughAvgPool"/>); a residual add of two spike values reads both
/// plane sets. Anything else turns spikes into real values, which the next synaptic layer charges as MACs.
/// Not thread-safe.
/// </summary>
public sealed class SopEstimator
{
    private enum Kind { Dense, Spike, Fold }

    /// <summary>A plane of a value: level <c>Level</c> of the planes produced by layer <c>Layer</c>, weight lambda.</summary>
    private readonly record struct PlaneRef(int Layer, int Level, double Lambda);

    private sealed record Value(Kind Kind, PlaneRef[] Planes, bool SingleSource, Shape3 SourceShape, int FoldKernel);

    private sealed record Synapse(int Layer, PlaneRef[] Planes, int[] FanOut, double[] IntegerWeight);

    private sealed record SpikeMaxPool(int Layer, int Source, int Levels, double[] Lambdas, Shape3 In, Shape3 Out, MaxPool2dSpec Spec);

    private readonly MtSnnModel _model;
    private readonly List<object> _steps = [];
    private readonly int _timeSteps;

    /// <summary>Plans the count for <paramref name="model"/>: which layers read spikes and every fan-out map.</summary>
    public SopEstimator(MtSnnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        var graph = model.Graph;
        _timeSteps = graph.TimeSteps;
        var values = new Value[graph.Layers.Length];
        var dense = new Value(Kind.Dense, [], false, default, 0);
        var layers = new LayerEstimate[graph.Layers.Length];
        for (int i = 0; i < graph.Layers.Length; i++)
        {
            var layer = graph.Layers[i];
            var x = layer.Input < 0 ? dense : values[layer.Input];
            var inShape = model.ShapeOf(layer.Input);
            int planes = 0;
            switch (layer)
            {
                case NeuronLayerSpec n:
                    values[i] = new Value(Kind.Spike, [.. n.Neuron.Weights.Select((l, k) => new PlaneRef(i, k, l))], true, inShape, 0);
                    _steps.Add(i);
                    planes = n.Neuron.Levels;
                    break;
                case Conv2dSpec or LinearSpec when x.Kind != Kind.Dense:
                    values[i] = dense;
                    _steps.Add(PlanSynapse(i, layer, x, inShape));
                    planes = x.Planes.Length;
                    break;
                case Conv2dSpec or LinearSpec:
                    values[i] = dense;
                    _steps.Add((i, model.LayerMacs(i)));
                    break;
                case MaxPool2dSpec m when x.Kind == Kind.Spike && x.SingleSource && !x.SourceShape.IsVector:
                    values[i] = new Value(Kind.Spike, [.. x.Planes.Select(p => p with { Layer = i })], true, model.Shapes[i], 0);
                    _steps.Add(new SpikeMaxPool(i, x.Planes[0].Layer, x.Planes.Length, [.. x.Planes.Select(p => p.Lambda)], inShape, model.Shapes[i], m));
                    break;
                case AvgPool2dSpec a when x.Kind == Kind.Spike && a.Stride == a.Kernel && !inShape.IsVector:
                    values[i] = new Value(Kind.Fold, x.Planes, false, inShape, a.Kernel);
                    break;
                case FlattenSpec:
                    values[i] = x;
                    break;
                case AddSpec s:
                    var other = s.Other < 0 ? dense : values[s.Other];
                    values[i] = x.Kind == Kind.Spike && other.Kind == Kind.Spike ? new Value(Kind.Spike, [.. x.Planes, .. other.Planes], false, inShape, 0) : dense;
                    break;
                default:
                    values[i] = dense;
                    break;
            }
            layers[i] = new LayerEstimate(i, layer.Op, planes);
        }
        Result = new SopEstimate(layers, _timeSteps);
    }

    /// <summary>The counts so far.</summary>
    public SopEstimate Result { get; }

    /// <summary>Graph indices of the neuron layers whose planes <see cref="AddImage"/> needs.</summary>
    public IEnumerable<int> NeuronLayers => _steps.OfType<int>();

    /// <summary>
    /// Adds one image. <paramref name="planesOf"/> gives, for a neuron layer's graph index, its planes for this image:
    /// <c>T K N</c> bytes (0/1), index <c>(t K + k) N + i</c>, i the CHW position.
    /// </summary>
    public void AddImage(Func<int, ReadOnlyMemory<byte>> planesOf)
    {
        ArgumentNullException.ThrowIfNull(planesOf);
        var data = new Dictionary<int, ReadOnlyMemory<byte>>();
        long before = Result.Sops;
        var spikesBefore = Result.SpikeVector();
        foreach (var step in _steps)
        {
            switch (step)
            {
                case int neuron:
                    var planes = planesOf(neuron);
                    int n = _model.Shapes[neuron].Size, levels = Result.Layers[neuron].LevelSpikes.Length;
                    if (planes.Length != _timeSteps * levels * n)
                        throw new ArgumentException($"layer {neuron}: {planes.Length} plane bytes, expected T K N = {_timeSteps} x {levels} x {n}");
                    data[neuron] = planes;
                    CountFiring(Result.Layers[neuron], planes.Span, levels, n);
                    break;
                case SpikeMaxPool mp:
                    data[mp.Layer] = Pool(mp, data[mp.Source].Span);
                    break;
                case Synapse s:
                    CountSops(s, data);
                    break;
                case (int layer, long macs):
                    Result.Layers[layer].MacsConvention += macs * _timeSteps;
                    break;
            }
        }
        Result.ImageSops.Add(Result.Sops - before);
        var spikes = Result.SpikeVector();
        for (int j = 0; j < spikes.Length; j++) spikes[j] -= spikesBefore[j];
        Result.ImageSpikes.Add(spikes);
    }

    private Synapse PlanSynapse(int i, LayerSpec layer, Value x, Shape3 inShape)
    {
        var source = x.Kind == Kind.Fold ? x.SourceShape : inShape;
        var readShape = x.Kind == Kind.Fold ? source with { H = (source.H - x.FoldKernel) / x.FoldKernel + 1, W = (source.W - x.FoldKernel) / x.FoldKernel + 1 } : source;
        int[] fan = layer switch
        {
            Conv2dSpec c => FanOut.Conv(c, readShape, _model.Shapes[i]),
            LinearSpec l => FanOut.Linear(l, readShape.Size),
            _ => throw new InvalidOperationException("not a synaptic layer"),
        };
        if (x.Kind == Kind.Fold) fan = FanOut.ThroughAvgPool(fan, source, x.FoldKernel);
        double min = x.Planes.Min(p => p.Lambda);
        return new Synapse(i, x.Planes, fan, [.. x.Planes.Select(p => p.Lambda / min)]);
    }

    private void CountSops(Synapse s, Dictionary<int, ReadOnlyMemory<byte>> data)
    {
        var est = Result.Layers[s.Layer];
        int n = s.FanOut.Length;
        for (int t = 0; t < _timeSteps; t++)
            for (int p = 0; p < s.Planes.Length; p++)
            {
                var plane = s.Planes[p];
                int levels = Result.Layers[plane.Layer].LevelSpikes.Length;
                var bits = data[plane.Layer].Span.Slice((t * levels + plane.Level) * n, n);
                long sops = 0;
                for (int i = 0; i < n; i++)
                    if (bits[i] != 0) sops += s.FanOut[i];
                est.Sops += sops;
                est.LevelSops[p] += sops;
                est.IntegerSops += (long)Math.Round(sops * s.IntegerWeight[p]);
            }
    }

    private static void CountFiring(LayerEstimate est, ReadOnlySpan<byte> planes, int levels, int n)
    {
        int steps = planes.Length / (levels * n);
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < n; i++)
            {
                bool any = false;
                for (int k = 0; k < levels; k++)
                    if (planes[(t * levels + k) * n + i] != 0) { est.LevelSpikes[k]++; any = true; }
                if (any) est.ActiveNeuronSteps++;
            }
            est.NeuronSteps += n;
        }
    }

    /// <summary>Max pooling of graded spikes: per window the planes of the first element with the largest <c>O = sum_k lambda_k S_k</c>.</summary>
    private byte[] Pool(SpikeMaxPool mp, ReadOnlySpan<byte> input)
    {
        int levels = mp.Levels, nIn = mp.In.Size, nOut = mp.Out.Size, k = mp.Spec.Kernel, s = mp.Spec.Stride, pad = mp.Spec.Padding;
        var output = new byte[_timeSteps * levels * nOut];
        for (int t = 0; t < _timeSteps; t++)
        {
            var src = input.Slice(t * levels * nIn, levels * nIn);
            var dst = output.AsSpan(t * levels * nOut, levels * nOut);
            for (int c = 0; c < mp.In.C; c++)
                for (int oy = 0; oy < mp.Out.H; oy++)
                    for (int ox = 0; ox < mp.Out.W; ox++)
                    {
                        int ylo = Math.Max(0, oy * s - pad), yhi = Math.Min(mp.In.H, oy * s - pad + k);
                        int xlo = Math.Max(0, ox * s - pad), xhi = Math.Min(mp.In.W, ox * s - pad + k);
                        int best = -1;
                        double bestValue = double.NegativeInfinity;
                        for (int y = ylo; y < yhi; y++)
                            for (int x = xlo; x < xhi; x++)
                            {
                                int at = (c * mp.In.H + y) * mp.In.W + x;
                                double v = 0;
                                for (int l = 0; l < levels; l++)
                                    if (src[l * nIn + at] != 0) v += mp.Lambdas[l];
                                if (v > bestValue) { bestValue = v; best = at; }
                            }
                        int o = (c * mp.Out.H + oy) * mp.Out.W + ox;
                        for (int l = 0; l < levels; l++) dst[l * nOut + o] = src[l * nIn + best];
                    }
        }
        return output;
    }
}
