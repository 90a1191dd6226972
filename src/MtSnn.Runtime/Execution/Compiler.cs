using System.Numerics;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// Turns a validated model into stages, once, at load time: decides which values are spikes or dense, each dense
/// value's scale, how spike planes merge, which average poolings fold into the next weights, and converts every
/// constant (weights, bias, thresholds) into stored units so that the run time does no scale multiplications.
/// </summary>
internal sealed partial class Compiler<T, TA> where T : unmanaged, INumber<T> where TA : IArith<T>
{
    private readonly MtSnnModel _model;
    private readonly EngineOptions _options;
    private readonly List<Stage<T>> _stages = [];
    private readonly List<SlotSpec> _slots = [];
    private readonly List<int> _states = [];
    private readonly (string Op, int Levels)[] _layout;
    private int _layer;

    private Compiler(MtSnnModel model, EngineOptions options)
    {
        _model = model;
        _options = options;
        _layout = [.. model.Graph.Layers.Select(l => (l.Op, 0))];
    }

    public static CompiledGraph<T> Compile(MtSnnModel model, EngineOptions options) => new Compiler<T, TA>(model, options).Run();

    private CompiledGraph<T> Run()
    {
        var graph = _model.Graph;
        bool integer = TA.IsInteger;
        int fi = integer ? _options.InputFractionBits : 0;
        var input = new ValueInfo { Shape = graph.InputShape, Chw = true, Slot = NewDense(graph.InputShape.Size), Static = true, Scale = Math.ScaleB(1.0, -fi) };
        _layer = 0;
        _stages.Add(new InputStage<T, TA> { Layer = 0, Static = true, OutSlot = input.Slot, FractionBits = fi });
        var values = new ValueInfo[graph.Layers.Length];
        OutputStage<T>? output = null;
        double outputScale = 1;
        for (int i = 0; i < graph.Layers.Length; i++)
        {
            _layer = i;
            var layer = graph.Layers[i];
            ValueInfo Get(int index) => index < 0 ? input : values[index];
            var x = Get(layer.Input);
            var shape = _model.Shapes[i];
            switch (layer)
            {
                case Conv2dSpec or LinearSpec:
                    values[i] = Synapse(layer, x, shape);
                    break;
                case AvgPool2dSpec a when x.Spike && a.Stride == a.Kernel && x.Perm is null && !x.Shape.IsVector:
                    values[i] = new ValueInfo { Shape = shape, FoldSource = x, FoldKernel = a.Kernel };
                    break;
                case AvgPool2dSpec a:
                    values[i] = SumPool(Dense(x), shape, a.Kernel, a.Stride);
                    break;
                case MaxPool2dSpec m:
                    values[i] = MaxPool(x, shape, m);
                    break;
                case FlattenSpec:
                    values[i] = Flatten(x, shape);
                    break;
                case NeuronLayerSpec n:
                    values[i] = Neuron(Dense(x), n.Neuron);
                    break;
                case AddSpec s:
                    values[i] = Add(x, Get(s.Other));
                    break;
                case OutputSpec:
                    var d = Dense(x);
                    outputScale = d.Scale;
                    output = new OutputStage<T> { Layer = i, InSlot = d.Slot, StateIndex = NewState(shape.Size), Index = [.. Enumerable.Range(0, shape.Size).Select(d.Physical)] };
                    _stages.Add(output);
                    values[i] = d;
                    break;
                default:
                    throw new ModelFormatException($"layer {i}: unsupported op '{layer.Op}'");
            }
        }
        if (output is null) throw new ModelFormatException("the graph has no 'output' layer");
        return new CompiledGraph<T>([.. _stages], [.. _slots], [.. _states], _layout, output.StateIndex, outputScale, graph.InputShape.Size);
    }

    private int NewDense(int size) { _slots.Add(new SlotSpec(size, 0)); return _slots.Count - 1; }
    private int NewSpikes(int size, int levels) { _slots.Add(new SlotSpec(size, levels)); return _slots.Count - 1; }
    private int NewState(int size) { _states.Add(size); return _states.Count - 1; }
    private void Levels(int levels) => _layout[_layer] = (_layout[_layer].Op, Math.Max(_layout[_layer].Levels, levels));

    private ValueInfo Flatten(ValueInfo x, Shape3 shape)
    {
        if (x.FoldSource is not null) return new ValueInfo { Shape = x.Shape, FoldSource = x.FoldSource, FoldKernel = x.FoldKernel, Flattened = true };
        int[]? perm = x.Shape.IsVector && x.Perm is null || x.Chw ? x.Perm : [.. Enumerable.Range(0, shape.Size).Select(x.Physical)];
        return new ValueInfo
        {
            Shape = shape, Chw = x.Chw, Perm = perm, Spike = x.Spike, Scale = x.Scale, Planes = x.Planes, Slot = x.Slot, Static = x.Static,
        };
    }

    /// <summary>The value as dense numbers: spikes are summed event by event (additions), a pending pooling is materialised.</summary>
    private ValueInfo Dense(ValueInfo x)
    {
        if (!x.Spike && x.FoldSource is null) return x;
        if (x.Materialized is not null) return x.Materialized;
        ValueInfo result;
        if (x.FoldSource is not null)
        {
            var src = Dense(x.FoldSource);
            var pooledShape = src.Shape with { H = (src.Shape.H - x.FoldKernel) / x.FoldKernel + 1, W = (src.Shape.W - x.FoldKernel) / x.FoldKernel + 1 };
            result = SumPool(src, pooledShape, x.FoldKernel, x.FoldKernel);
            if (x.Flattened) result = Flatten(result, x.Shape);
        }
        else
        {
            var lambdas = x.Planes.Select(p => p.Lambda).ToArray();
            double scale = PlaneMerge.DenseScale(lambdas, TA.IsInteger);
            int slot = NewDense(x.Shape.Size);
            _stages.Add(new SpikeToDenseStage<T> { Layer = _layer, ASlot = -1, OutSlot = slot, Planes = [.. x.Planes.Select(p => (p.Slot, p.Level, TA.Const(p.Lambda / scale)))] });
            result = new ValueInfo { Shape = x.Shape, Chw = x.Chw, Perm = x.Perm, Slot = slot, Scale = scale };
        }
        x.Materialized = result;
        return result;
    }

    private ValueInfo SumPool(ValueInfo x, Shape3 shape, int kernel, int stride)
    {
        var (cs, ys, xs) = x.Strides;
        int slot = NewDense(shape.Size);
        _stages.Add(new DenseSumPoolStage<T>
        {
            Layer = _layer, Static = x.Static, InSlot = x.Slot, OutSlot = slot, C = x.Shape.C, InH = x.Shape.H, InW = x.Shape.W,
            CStride = cs, YStride = ys, XStride = xs, OutH = shape.H, OutW = shape.W, Kernel = kernel, Stride = stride, Padding = 0,
        });
        return new ValueInfo { Shape = shape, Slot = slot, Scale = x.Scale / (kernel * kernel), Static = x.Static };
    }

    private ValueInfo MaxPool(ValueInfo x, Shape3 shape, MaxPool2dSpec m)
    {
        bool spikes = x.SingleSource && x.Perm is null;
        var src = spikes ? x : Dense(x);
        var (cs, ys, xs) = src.Strides;
        if (spikes)
        {
            int levels = x.Planes.Length;
            var codes = Enumerable.Range(0, 1 << levels).Select(c => Enumerable.Range(0, levels).Where(k => (c >> k & 1) == 1).Sum(k => x.Planes[k].Lambda)).ToArray();
            var distinct = codes.Distinct().Order().ToList();
            int slot = NewSpikes(shape.Size, levels);
            _stages.Add(new SpikeMaxPoolStage<T>
            {
                Layer = _layer, InSlot = x.Slot, OutSlot = slot, C = x.Shape.C, InH = x.Shape.H, InW = x.Shape.W,
                CStride = cs, YStride = ys, XStride = xs, OutH = shape.H, OutW = shape.W, Kernel = m.Kernel, Stride = m.Stride,
                Padding = m.Padding, Rank = [.. codes.Select(v => distinct.IndexOf(v))],
            });
            return new ValueInfo { Shape = shape, Spike = true, Slot = slot, Planes = [.. x.Planes.Select(p => p with { Slot = slot })] };
        }
        int dslot = NewDense(shape.Size);
        _stages.Add(new DenseMaxPoolStage<T>
        {
            Layer = _layer, Static = src.Static, InSlot = src.Slot, OutSlot = dslot, C = src.Shape.C, InH = src.Shape.H, InW = src.Shape.W,
            CStride = cs, YStride = ys, XStride = xs, OutH = shape.H, OutW = shape.W, Kernel = m.Kernel, Stride = m.Stride, Padding = m.Padding,
        });
        return new ValueInfo { Shape = shape, Slot = dslot, Scale = src.Scale, Static = src.Static };
    }

    private ValueInfo Add(ValueInfo a, ValueInfo b)
    {
        bool aSpike = a.Spike && a.FoldSource is null, bSpike = b.Spike && b.FoldSource is null;
        if (aSpike && bSpike && a.SameLayout(b))
            return new ValueInfo { Shape = a.Shape, Chw = a.Chw, Perm = a.Perm, Spike = true, Planes = [.. a.Planes, .. b.Planes] };
        if (bSpike && !aSpike) (a, b, aSpike, bSpike) = (b, a, bSpike, aSpike);
        if (aSpike && !bSpike)
        {
            var d = Dense(b);
            if (!d.SameLayout(a)) throw new NotSupportedException($"layer {_layer}: add of values with different memory layouts");
            int slot = NewDense(d.Shape.Size);
            Levels(a.Planes.Length);
            _stages.Add(new SpikeToDenseStage<T> { Layer = _layer, ASlot = d.Slot, OutSlot = slot, Planes = [.. a.Planes.Select(p => (p.Slot, p.Level, TA.Const(p.Lambda / d.Scale)))] });
            return new ValueInfo { Shape = d.Shape, Chw = d.Chw, Perm = d.Perm, Slot = slot, Scale = d.Scale };
        }
        var da = Dense(a);
        var db = Dense(b);
        if (!da.SameLayout(db)) throw new NotSupportedException($"layer {_layer}: add of values with different memory layouts");
        if (db.Scale < da.Scale) (da, db) = (db, da); // keep the finer scale; the coarser operand is scaled up
        double ratio = db.Scale / da.Scale;
        bool pow2 = PlaneMerge.IsPow2(ratio);
        int outSlot = NewDense(da.Shape.Size);
        _stages.Add(new DenseAddStage<T, TA>
        {
            Layer = _layer, Static = da.Static && db.Static, ASlot = da.Slot, BSlot = db.Slot, OutSlot = outSlot,
            Shift = pow2 ? Math.ILogB(ratio) : 0, Multiply = !pow2, Multiplier = TA.Multiplier(pow2 ? 1 : ratio),
        });
        return new ValueInfo { Shape = da.Shape, Chw = da.Chw, Perm = da.Perm, Slot = outSlot, Scale = da.Scale, Static = da.Static && db.Static };
    }
}

/// <summary>The compiled graph: stages in order, value slots, state sizes, the count layout, the read-out state and its scale.</summary>
internal sealed record CompiledGraph<T>(Stage<T>[] Stages, SlotSpec[] Slots, int[] States, (string Op, int Levels)[] Layout,
    int OutputState, double OutputScale, int InputSize) where T : unmanaged, INumber<T>;
