using MtSnn.Neurons;
using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Tests;

/// <summary>
/// The oracle: a straightforward dense evaluation of the graph in double precision, logical CHW layout, graded
/// outputs O multiplied into dense matmuls/convolutions, the neuron written directly from MT-SNN.md §2.
/// Also records every neuron layer's spike planes S_k[t] and counts SOPs independently from them.
/// </summary>
internal sealed class DenseReference(MtSnnModel model)
{
    private readonly ModelGraph _g = model.Graph;

    /// <summary>Spikes[layer][t][k][i] for neuron layers.</summary>
    public Dictionary<int, List<bool[][]>> Spikes { get; } = [];
    /// <summary>SOPs per synaptic layer: sum over input spikes (per level) of the number of synapses they reach.</summary>
    public Dictionary<int, long> Sops { get; } = [];

    private double[] W(string name) => [.. model.Tensors[name].Data.ToArray().Select(v => (double)v)];

    public double[] Run(float[] input)
    {
        int n = _g.Layers.Length;
        var membranes = new Dictionary<int, double[]>();
        double[]? sum = null;
        for (int t = 0; t < _g.TimeSteps; t++)
        {
            var values = new double[n][];
            // spike "fan-out sources": for each value, the binary planes that make it up (to count SOPs independently)
            // null for dense values; per element the number of spikes routed there (pooling folds several)
            var planes = new List<int[]>?[n];
            double[] X(int i) => i < 0 ? [.. input.Select(v => (double)v)] : values[i];
            List<int[]>? P(int i) => i < 0 ? null : planes[i];
            for (int i = 0; i < n; i++)
            {
                var layer = _g.Layers[i];
                var x = X(layer.Input);
                var xs = model.ShapeOf(layer.Input);
                planes[i] = null;
                switch (layer)
                {
                    case LinearSpec l:
                        {
                            var w = W(l.Weight);
                            var y = new double[l.OutFeatures];
                            for (int o = 0; o < y.Length; o++)
                            {
                                y[o] = l.Bias is null ? 0 : W(l.Bias)[o];
                                for (int j = 0; j < l.InFeatures; j++) y[o] += w[o * l.InFeatures + j] * x[j];
                            }
                            Count(i, P(layer.Input), _ => l.OutFeatures);
                            values[i] = y;
                            break;
                        }
                    case Conv2dSpec c:
                        {
                            var w = W(c.Weight);
                            var ys = model.Shapes[i];
                            var y = new double[ys.Size];
                            var fan = new long[xs.Size];
                            for (int o = 0; o < c.OutChannels; o++)
                                for (int oy = 0; oy < ys.H; oy++)
                                    for (int ox = 0; ox < ys.W; ox++)
                                    {
                                        double acc = c.Bias is null ? 0 : W(c.Bias)[o];
                                        for (int ci = 0; ci < c.InChannels; ci++)
                                            for (int ky = 0; ky < c.Kernel; ky++)
                                                for (int kx = 0; kx < c.Kernel; kx++)
                                                {
                                                    int iy = oy * c.Stride - c.Padding + ky, ix = ox * c.Stride - c.Padding + kx;
                                                    if (iy < 0 || ix < 0 || iy >= xs.H || ix >= xs.W) continue;
                                                    int j = (ci * xs.H + iy) * xs.W + ix;
                                                    acc += w[((o * c.InChannels + ci) * c.Kernel + ky) * c.Kernel + kx] * x[j];
                                                    fan[j]++;
                                                }
                                        y[(o * ys.H + oy) * ys.W + ox] = acc;
                                    }
                            Count(i, P(layer.Input), j => fan[j]);
                            values[i] = y;
                            break;
                        }
                    case AvgPool2dSpec a:
                        values[i] = Pool(x, xs, model.Shapes[i], a.Kernel, a.Stride, 0, avg: true);
                        // a pooling with stride = kernel on spikes is folded into the next layer: each spike reaches its pooled position
                        if (a.Stride == a.Kernel && P(layer.Input) is { } pin) planes[i] = [.. pin.Select(p => PoolPlane(p, xs, model.Shapes[i], a.Kernel))];
                        break;
                    case MaxPool2dSpec m:
                        values[i] = Pool(x, xs, model.Shapes[i], m.Kernel, m.Stride, m.Padding, avg: false);
                        break;
                    case FlattenSpec:
                        values[i] = x;
                        planes[i] = P(layer.Input);
                        break;
                    case AddSpec s:
                        var b = X(s.Other);
                        values[i] = [.. x.Select((v, j) => v + b[j])];
                        planes[i] = P(layer.Input) is { } pa && P(s.Other) is { } pb ? [.. pa, .. pb] : null;
                        break;
                    case NeuronLayerSpec nl:
                        {
                            var spec = nl.Neuron;
                            if (!membranes.TryGetValue(i, out var v)) membranes[i] = v = [.. Enumerable.Repeat(spec.VInit, x.Length)];
                            var (o, s) = Neuron(spec, x, v);
                            values[i] = o;
                            planes[i] = [.. s.Select(p => p.Select(b => b ? 1 : 0).ToArray())];
                            if (!Spikes.TryGetValue(i, out var list)) Spikes[i] = list = [];
                            list.Add(s);
                            break;
                        }
                    case OutputSpec:
                        sum ??= new double[x.Length];
                        for (int j = 0; j < x.Length; j++) sum[j] += x[j];
                        values[i] = x;
                        break;
                }
                // only values produced by a neuron (or forwarded from one) are spike planes; maxpool output is recomputed below
                if (layer is MaxPool2dSpec && P(layer.Input) is not null && layer.Input >= 0 && _g.Layers[layer.Input] is NeuronLayerSpec src)
                    planes[i] = MaxPoolPlanes(values[i], src.Neuron);
            }
        }
        return [.. sum!.Select(v => v / _g.TimeSteps)];
    }

    private void Count(int layer, List<int[]>? planes, Func<int, long> fanOut)
    {
        long sops = 0;
        foreach (var p in planes ?? [])
            for (int j = 0; j < p.Length; j++) sops += p[j] * fanOut(j);
        Sops[layer] = Sops.GetValueOrDefault(layer) + sops;
    }

    /// <summary>MT-SNN.md §2 directly: charge, fire (single/parallel/cascade), graded output, reset.</summary>
    public static (double[] O, bool[][] S) Neuron(NeuronSpec n, double[] x, double[] v)
    {
        int k = n.Levels;
        var o = new double[x.Length];
        var s = Enumerable.Range(0, k).Select(_ => new bool[x.Length]).ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            double h = n.Dynamics == Dynamics.IF ? v[i] + x[i]
                : n.DecayInput ? v[i] + (x[i] - (v[i] - n.VReset)) * n.Decay
                : v[i] - (v[i] - n.VReset) * n.Decay + x[i];
            double r = h;
            for (int l = 0; l < k; l++)
            {
                bool fire = n.Mode == FiringMode.Cascade ? r >= n.Thresholds[l] : h >= n.Thresholds[l];
                s[l][i] = fire;
                if (fire) { o[i] += n.Weights[l]; if (n.Mode == FiringMode.Cascade) r -= n.VThreshold * n.Weights[l]; }
            }
            bool any = s.Any(p => p[i]);
            v[i] = n.Reset == ResetMode.Hard ? (any ? n.VReset : h) : h - n.VThreshold * o[i];
        }
        return (o, s);
    }

    private static double[] Pool(double[] x, Shape3 xs, Shape3 ys, int k, int stride, int pad, bool avg)
    {
        var y = new double[ys.Size];
        for (int c = 0; c < ys.C; c++)
            for (int oy = 0; oy < ys.H; oy++)
                for (int ox = 0; ox < ys.W; ox++)
                {
                    double acc = avg ? 0 : double.NegativeInfinity;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                        {
                            int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                            if (iy < 0 || ix < 0 || iy >= xs.H || ix >= xs.W) continue;
                            double v = x[(c * xs.H + iy) * xs.W + ix];
                            acc = avg ? acc + v : Math.Max(acc, v);
                        }
                    y[(c * ys.H + oy) * ys.W + ox] = avg ? acc / (k * k) : acc;
                }
        return y;
    }

    private static int[] PoolPlane(int[] p, Shape3 xs, Shape3 ys, int k)
    {
        var m = new int[ys.Size];
        for (int c = 0; c < xs.C; c++)
            for (int y = 0; y < xs.H; y++)
                for (int x = 0; x < xs.W; x++)
                    if (y / k < ys.H && x / k < ys.W) m[(c * ys.H + y / k) * ys.W + x / k] += p[(c * xs.H + y) * xs.W + x];
        return m;
    }

    private static List<int[]> MaxPoolPlanes(double[] pooled, NeuronSpec n)
    {
        // decode the pooled graded values back to the planes of the winning element
        var planes = Enumerable.Range(0, n.Levels).Select(_ => new int[pooled.Length]).ToArray();
        int codes = 1 << n.Levels;
        for (int i = 0; i < pooled.Length; i++)
            for (int c = 0; c < codes; c++)
            {
                double o = Enumerable.Range(0, n.Levels).Where(l => (c >> l & 1) == 1).Sum(l => n.Weights[l]);
                if (Math.Abs(o - pooled[i]) < 1e-12 && (n.Mode != FiringMode.Parallel || IsSuffix(c, n.Levels)))
                {
                    for (int l = 0; l < n.Levels; l++) planes[l][i] = c >> l & 1;
                    break;
                }
            }
        return [.. planes];
    }

    private static bool IsSuffix(int code, int levels)
    {
        bool seen = false;
        for (int l = 0; l < levels; l++) { bool b = (code >> l & 1) == 1; if (seen && !b) return false; seen |= b; }
        return true;
    }
}
