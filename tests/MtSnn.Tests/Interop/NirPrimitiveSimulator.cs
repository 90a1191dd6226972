using MtSnn.Interop.Nir;

namespace MtSnn.Tests.Interop;

/// <summary>
/// A NIR consumer written from the specification's equations, independent of the importer: every node computes its
/// primitive in float32 (forward Euler, step dt): <c>I</c>: <c>v += dt r x</c>; <c>LI</c>: <c>v += dt/tau (v_leak - v + r x)</c>;
/// <c>IF</c>/<c>LIF</c>: the same charge, <c>z = v &gt; v_threshold</c>, <c>v = v_reset</c> where <c>z</c>; <c>Threshold</c>:
/// <c>x &gt; threshold</c>; <c>Scale</c>: <c>s x</c>; <c>Conv2d</c>, <c>Affine</c>, <c>Linear</c>, <c>AvgPool2d</c>, <c>SumPool2d</c> (zero padding), <c>Flatten</c>.
/// A node's input is the sum of its incoming edges; an edge that closes a cycle carries the previous step's value (zero at t = 0).
/// The read-out is the mean over T of the <c>Output</c> node.
/// </summary>
internal sealed class NirPrimitiveSimulator
{
    private readonly NirGraph _g;
    private readonly List<string> _order = [];
    private readonly Dictionary<string, int> _pos = [];
    private readonly Dictionary<string, List<string>> _in = [];
    private readonly Dictionary<string, NirNode> _nodes = [];

    public NirPrimitiveSimulator(NirGraph g)
    {
        _g = g;
        foreach (var (n, node) in g.Nodes) { _nodes[n] = node; _in[n] = []; }
        var outs = _nodes.Keys.ToDictionary(k => k, _ => new List<string>());
        foreach (var e in g.Edges) { outs[e.Source].Add(e.Target); _in[e.Target].Add(e.Source); }
        var seen = new HashSet<string>();
        var post = new List<string>();
        void Dfs(string n) { if (!seen.Add(n)) return; foreach (var m in outs[n]) Dfs(m); post.Add(n); }
        Dfs(_nodes.Single(n => n.Value.Type == "Input").Key);
        post.Reverse();
        _order = post;
        for (int i = 0; i < _order.Count; i++) _pos[_order[i]] = i;
    }

    public float[] Run(float[] image, int steps)
    {
        var now = new Dictionary<string, float[]>();
        var prev = new Dictionary<string, float[]>();
        var state = new Dictionary<string, float[]>();
        float[]? sum = null;
        for (int t = 0; t < steps; t++)
        {
            now = [];
            foreach (var n in _order)
            {
                var node = _nodes[n];
                float[]? x = null;
                foreach (var s in _in[n])
                {
                    var src = _pos[s] < _pos[n] ? now[s] : prev.GetValueOrDefault(s) ?? new float[Size(_nodes[s])];
                    x = x is null ? (float[])src.Clone() : [.. x.Zip(src, (a, b) => a + b)];
                }
                now[n] = Eval(n, node, node.Type == "Input" ? image : x!, state);
            }
            var o = now[_nodes.Single(p => p.Value.Type == "Output").Key];
            sum = sum is null ? (float[])o.Clone() : [.. sum.Zip(o, (a, b) => a + b)];
            prev = now;
        }
        return [.. sum!.Select(v => v / steps)];
    }

    private static int Size(NirNode n) => (int)n.OutputShape.Aggregate(1L, (a, b) => a * b);

    private static float[] F(NirNode n, string key) => [.. ((NirFloats)n.Fields[key]).Values.Select(v => (float)v)];

    private static long[] L(NirNode n, string key) => ((NirInts)n.Fields[key]).Values;

    private static float[] Eval(string name, NirNode n, float[] x, Dictionary<string, float[]> state)
    {
        float dt = (float)NirConventions.Dt;
        switch (n.Type)
        {
            case "Input" or "Output" or "Flatten": return x;
            case "Scale": { var s = F(n, "scale"); return [.. x.Select((v, i) => s[i] * v)]; }
            case "Threshold": { var th = F(n, "threshold"); return [.. x.Select((v, i) => v > th[i] ? 1f : 0f)]; }
            case "Affine" or "Linear":
            {
                var w = F(n, "weight");
                var b = n.Type == "Affine" ? F(n, "bias") : null;
                int outs = (int)((NirFloats)n.Fields["weight"]).Shape[0], ins = x.Length;
                var y = new float[outs];
                for (int o = 0; o < outs; o++) { float acc = b?[o] ?? 0; for (int i = 0; i < ins; i++) acc += w[o * ins + i] * x[i]; y[o] = acc; }
                return y;
            }
            case "Conv2d":
            {
                var w = F(n, "weight"); var b = F(n, "bias");
                var ws = ((NirFloats)n.Fields["weight"]).Shape;
                int co = (int)ws[0], ci = (int)ws[1], k = (int)ws[2], s = (int)L(n, "stride")[0], p = (int)L(n, "padding")[0];
                int h = (int)n.InputShape[1], wd = (int)n.InputShape[2], oh = (int)n.OutputShape[1], ow = (int)n.OutputShape[2];
                var y = new float[co * oh * ow];
                for (int o = 0; o < co; o++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++)
                {
                    float acc = b[o];
                    for (int c = 0; c < ci; c++) for (int i = 0; i < k; i++) for (int j = 0; j < k; j++)
                    {
                        int iy = oy * s - p + i, ix = ox * s - p + j;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < wd) acc += w[((o * ci + c) * k + i) * k + j] * x[(c * h + iy) * wd + ix];
                    }
                    y[(o * oh + oy) * ow + ox] = acc;
                }
                return y;
            }
            case "AvgPool2d":
            {
                int k = (int)L(n, "kernel_size")[0], s = (int)L(n, "stride")[0];
                int c = (int)n.InputShape[0], h = (int)n.InputShape[1], wd = (int)n.InputShape[2], oh = (int)n.OutputShape[1], ow = (int)n.OutputShape[2];
                var y = new float[c * oh * ow];
                for (int ch = 0; ch < c; ch++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++)
                {
                    float acc = 0;
                    for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) acc += x[(ch * h + oy * s + i) * wd + ox * s + j];
                    y[(ch * oh + oy) * ow + ox] = acc / (k * k);
                }
                return y;
            }
            case "SumPool2d":
            {
                int k = (int)L(n, "kernel_size")[0], s = (int)L(n, "stride")[0], pad = (int)L(n, "padding")[0];
                int c = (int)n.InputShape[0], h = (int)n.InputShape[1], wd = (int)n.InputShape[2], oh = (int)n.OutputShape[1], ow = (int)n.OutputShape[2];
                var y = new float[c * oh * ow];
                for (int ch = 0; ch < c; ch++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++)
                {
                    float acc = 0;
                    for (int i = 0; i < k; i++) for (int j = 0; j < k; j++)
                    {
                        int yy = oy * s + i - pad, xx = ox * s + j - pad;
                        if (yy >= 0 && yy < h && xx >= 0 && xx < wd) acc += x[(ch * h + yy) * wd + xx];   // zero padding
                    }
                    y[(ch * oh + oy) * ow + ox] = acc;
                }
                return y;
            }
            case "I" or "LI" or "IF" or "LIF":
            {
                var v = state.TryGetValue(name, out var st) ? st : state[name] = new float[x.Length];
                var r = F(n, "r");
                bool leaky = n.Type is "LI" or "LIF";
                var tau = leaky ? F(n, "tau") : null; var leak = leaky ? F(n, "v_leak") : null;
                for (int i = 0; i < v.Length; i++) v[i] = leaky ? v[i] + dt / tau![i] * (leak![i] - v[i] + r[i] * x[i]) : v[i] + dt * r[i] * x[i];
                if (n.Type is "I" or "LI") return (float[])v.Clone();
                var th = F(n, "v_threshold"); var vr = F(n, "v_reset");
                var z = new float[v.Length];
                for (int i = 0; i < v.Length; i++) if (v[i] > th[i]) { z[i] = 1; v[i] = vr[i]; }
                return z;
            }
            default: throw new NotSupportedException(n.Type);
        }
    }
}
