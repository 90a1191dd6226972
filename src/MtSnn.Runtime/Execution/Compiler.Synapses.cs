using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Execution;

internal sealed partial class Compiler<T, TA>
{
    /// <summary>
    /// Conv2d / linear. On dense input: MACs. On spikes (or a pending average pooling of spikes, folded here as
    /// <c>W' = W / k^2</c> read through the pooling map): event-driven additions merged per <see cref="PlaneMerge"/>.
    /// Integer mode quantises <c>W' 2^f</c> with f chosen so that <c>max |W'| 2^f &lt; 2^23</c>.
    /// </summary>
    private ValueInfo Synapse(LayerSpec layer, ValueInfo x, Shape3 shape)
    {
        var (weightName, biasName) = layer switch
        {
            Conv2dSpec c => (c.Weight, c.Bias),
            LinearSpec l => (l.Weight, l.Bias),
            _ => throw new ModelFormatException($"layer {_layer}: not a synaptic layer"),
        };
        var w = _model.Tensors[weightName].Data.ToArray();
        var bias = biasName is null ? null : _model.Tensors[biasName].Data.ToArray();
        return x.Spike || x.FoldSource is not null ? SpikeSynapse(layer, x, shape, w, bias) : DenseSynapse(layer, x, shape, w, bias);
    }

    private ValueInfo DenseSynapse(LayerSpec layer, ValueInfo x, Shape3 shape, float[] w, float[]? bias)
    {
        int fw = TA.IsInteger ? FractionBits(w.Select(Math.Abs).DefaultIfEmpty(0f).Max()) : 0;
        double scale = x.Scale; // integer: the 128-bit sum is shifted right by fw, so the output keeps the input scale
        int slot = NewDense(shape.Size);
        T[] weights;
        if (layer is LinearSpec l)
        {
            var logical = x.LogicalOfPhysical();
            weights = new T[w.Length];
            for (int o = 0; o < l.OutFeatures; o++)
                for (int p = 0; p < l.InFeatures; p++) weights[o * l.InFeatures + p] = TA.Const(Math.ScaleB(w[o * l.InFeatures + logical[p]], fw));
            _stages.Add(new DenseMacStage<T> { Layer = _layer, Static = x.Static, InSlot = x.Slot, OutSlot = slot, Weights = weights, Bias = Bias(bias, scale, shape.H * shape.W), Shift = fw, IsConv = false });
        }
        else
        {
            var c = (Conv2dSpec)layer;
            var (cs, ys, xs) = x.Strides;
            weights = [.. w.Select(v => TA.Const(Math.ScaleB(v, fw)))];
            _stages.Add(new DenseMacStage<T>
            {
                Layer = _layer, Static = x.Static, InSlot = x.Slot, OutSlot = slot, Weights = weights, Bias = Bias(bias, scale, shape.H * shape.W), Shift = fw, IsConv = true, Threads = _options.IntraOpThreads,
                InC = c.InChannels, InH = x.Shape.H, InW = x.Shape.W, CStride = cs, YStride = ys, XStride = xs,
                OutC = c.OutChannels, OutH = shape.H, OutW = shape.W, Kernel = c.Kernel, Stride = c.Stride, Padding = c.Padding,
            });
        }
        return new ValueInfo { Shape = shape, Slot = slot, Scale = scale, Static = x.Static };
    }

    private ValueInfo SpikeSynapse(LayerSpec layer, ValueInfo x, Shape3 shape, float[] w, float[]? bias)
    {
        var src = x.FoldSource ?? x;
        int pool = x.FoldSource is null ? 1 : x.FoldKernel;
        double foldScale = 1.0 / (pool * pool);
        var merge = PlaneMerge.Plan([.. src.Planes.Select(p => p.Lambda)]);
        double lambdaMin = src.Planes.Min(p => p.Lambda);
        var planes = src.Planes.Select((p, i) => new PlaneRef(p.Slot, p.Level, merge.CopyOf[i], merge.PositionOf[i], p.Lambda / lambdaMin)).ToArray();
        Levels(planes.Length);
        double maxAbs = merge.CopyScale.Max() * foldScale * w.Select(Math.Abs).DefaultIfEmpty(0f).Max();
        int fw = TA.IsInteger ? FractionBits(maxAbs) : 0;
        double scale = merge.Scale * Math.ScaleB(1.0, -fw);
        T Q(double v, int copy) => TA.Const(Math.ScaleB(v * merge.CopyScale[copy] * foldScale, fw));
        int slot = NewDense(shape.Size);

        // Input physical index -> logical index of this layer's input (through the pooling map when folded).
        var pooled = x.FoldSource is null ? src.Shape : src.Shape with { H = (src.Shape.H - pool) / pool + 1, W = (src.Shape.W - pool) / pool + 1 };
        var map = new int[src.Shape.Size];
        var logical = src.LogicalOfPhysical();
        for (int p = 0; p < map.Length; p++)
        {
            if (pool == 1) { map[p] = logical[p]; continue; }
            int j = logical[p], xx = j % src.Shape.W, yy = j / src.Shape.W % src.Shape.H, cc = j / (src.Shape.W * src.Shape.H);
            int py = yy / pool, px = xx / pool;
            map[p] = py < pooled.H && px < pooled.W ? (cc * pooled.H + py) * pooled.W + px : -1;
        }

        if (layer is LinearSpec l)
        {
            var copies = merge.CopyScale.Select((_, d) =>
            {
                var t = new T[w.Length];
                for (int i = 0; i < l.InFeatures; i++)
                    for (int o = 0; o < l.OutFeatures; o++) t[i * l.OutFeatures + o] = Q(w[o * l.InFeatures + i], d);
                return t;
            }).ToArray();
            _stages.Add(new SpikeLinearStage<T> { Layer = _layer, Planes = planes, Positions = merge.Positions, Copies = copies, Bias = Bias(bias, scale, shape.H * shape.W), OutSlot = slot, RowOf = map, OutFeatures = l.OutFeatures, Threads = _options.IntraOpThreads });
        }
        else
        {
            var c = (Conv2dSpec)layer;
            if (x.Flattened || src.Perm is not null) throw new NotSupportedException($"layer {_layer}: conv2d on a flattened value");
            int k = c.Kernel, co = c.OutChannels, ci = c.InChannels;
            var copies = merge.CopyScale.Select((_, d) =>
            {
                var t = new T[w.Length];
                for (int o = 0; o < co; o++)
                    for (int ch = 0; ch < ci; ch++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) t[((ch * k + ky) * k + kx) * co + o] = Q(w[((o * ci + ch) * k + ky) * k + kx], d);
                return t;
            }).ToArray();
            _stages.Add(new SpikeConvStage<T>
            {
                Layer = _layer, Planes = planes, Positions = merge.Positions, Copies = copies, Bias = Bias(bias, scale, shape.H * shape.W), OutSlot = slot,
                Decode = map, InH = pooled.H, InW = pooled.W, OutH = shape.H, OutW = shape.W, OutC = co, Kernel = k, Stride = c.Stride, Padding = c.Padding,
                Threads = _options.IntraOpThreads,
            });
        }
        return new ValueInfo { Shape = shape, Slot = slot, Scale = scale };
    }

    /// <summary>Integer mode: fraction bits f with <c>max |w| 2^f</c> in <c>[2^22, 2^23)</c>.</summary>
    private static int FractionBits(double maxAbs) => maxAbs > 0 ? 22 - Math.ILogB(maxAbs) : 0;

    /// <summary>Bias in stored units, repeated over the output positions (HWC: channel fastest), added once per step.</summary>
    private static T[]? Bias(float[]? bias, double scale, int positions) =>
        bias is null ? null : [.. Enumerable.Range(0, positions).SelectMany(_ => bias.Select(b => TA.Const(b / scale)))];

    /// <summary>A neuron layer with every constant in the input's stored units (<c>c / scale</c>).</summary>
    private ValueInfo Neuron(ValueInfo x, NeuronSpec n)
    {
        double s = x.Scale;
        int levels = n.Levels;
        Levels(levels);
        var subByCount = new T[levels + 1];
        for (int f = 0; f <= levels; f++) subByCount[f] = TA.Const(n.VThreshold * n.Weights.Skip(levels - f).Sum() / s);
        bool shift = PlaneMerge.IsPow2(n.Decay) && n.Decay < 1;
        int slot = NewSpikes(x.Shape.Size, levels);
        _stages.Add(new NeuronStage<T, TA>
        {
            Layer = _layer, Threads = _options.IntraOpThreads, InSlot = x.Slot, OutSlot = slot, StateIndex = NewState(x.Shape.Size),
            Dynamics = n.Dynamics, Mode = n.Mode, ResetRule = n.Reset, DecayInput = n.DecayInput,
            Theta = [.. n.Thresholds.Select(t => TA.Const(t / s))],
            Sub = [.. n.Weights.Select(l => TA.Const(n.VThreshold * l / s))],
            SubByCount = subByCount,
            VReset = TA.Const(n.VReset / s), VInit = TA.Const(n.VInit / s),
            LeakIsShift = shift, LeakShift = shift ? -Math.ILogB(n.Decay) : 0, LeakMultiplier = TA.Multiplier(n.Decay),
        });
        return new ValueInfo
        {
            Shape = x.Shape, Chw = x.Chw, Perm = x.Perm, Spike = true, Slot = slot,
            Planes = [.. n.Weights.Select((l, k) => new Plane(slot, k, l))],
        };
    }
}
