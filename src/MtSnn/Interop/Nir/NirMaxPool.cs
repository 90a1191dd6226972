using System.Collections.Immutable;
using MtSnn.Runtime.Graph;
using static MtSnn.Interop.Nir.NirImporter;

namespace MtSnn.Interop.Nir;

/// <summary>
/// Max pooling of a neuron layer's output as NIR primitives (NIR has no max-pool node). The spikes
/// <c>O = sum_k lambda_k S_k</c> take finitely many values <c>0 = v_0 &lt; v_1 &lt; ... &lt; v_M</c> (the subset sums of the
/// level weights), so with <c>A_m = [max over the window &gt;= v_m] = H(SumPool(H(x - t_m)) - 1/2)</c>
/// (<c>t_m = (v_{m-1} + v_m)/2</c>: any value at or above <c>v_m</c> passes, any below fails) the maximum is
/// <code>
/// max = sum_m v_m E_m,   E_m = H(A_m - A_{m+1} - 1/2)  (E_M = A_M): exactly one E_m is 1 (the top level reached) or none (max 0)
/// </code>
/// Nodes for a layer <c>P</c>: <c>P.fire_m</c> (Threshold t_m), <c>P.count_m</c> (SumPool2d: kernel, stride, zero padding,
/// which never wins since t_m &gt; 0), <c>P.any_m</c> (Threshold 1/2), <c>P.not_m</c> (Scale -1 of <c>P.any_{m+1}</c>),
/// <c>P.top_m</c> (Threshold 1/2 of <c>any_m + not_m</c>), <c>P.value_m</c> (Scale v_m) and <c>P</c> (Scale 1, the sum),
/// which carries <c>metadata/mtsnn_op = max_pool_2d</c>. Every intermediate value is a small integer, and the output is one
/// <c>v_m</c> plus zeros, so a float32 consumer computes it exactly when every <c>v_m</c> and partial sum of level weights
/// is a float32 number (the default weights 2^-k, and 1/K for K a power of two); other weights are refused, as is a max
/// pool whose input is not a neuron layer (its values are then not a known finite set).
/// </summary>
internal static class NirMaxPool
{
    /// <summary>Head-node metadata key naming the construction.</summary>
    public const string OpKey = "mtsnn_op";
    public const string OpValue = "max_pool_2d";

    /// <summary>The distinct non-zero output values of <paramref name="n"/>, ascending; refuses weights whose sums are not exact in float32.</summary>
    public static double[] Values(NeuronSpec n, string at)
    {
        if (n.Levels > 16) throw new NotSupportedException($"{at}: max pooling of a neuron with {n.Levels} levels (the NIR construction enumerates the 2^K output values; at most 16 levels)");
        var sums = new SortedSet<double>();
        for (int mask = 1; mask < 1 << n.Levels; mask++)
        {
            double s = 0;
            for (int k = 0; k < n.Levels; k++)
                if ((mask & (1 << k)) != 0)
                {
                    s += n.Weights[k];
                    if ((double)(float)s != s)
                        throw new NotSupportedException($"{at}: max pooling needs level weights whose sums are float32 numbers (the NIR construction compares the spike to each output value exactly); a sum of the weights [{string.Join(", ", n.Weights)}] is not; use weights 2^-k or 1/K with K a power of two");
                }
            sums.Add(s);
        }
        return [.. sums];
    }

    /// <summary>Adds the nodes; returns the name of the output node and sets its entries (the <c>fire</c> thresholds).</summary>
    public static string Add(NirExporter.Builder b, string p, MaxPool2dSpec m, NeuronSpec neuron, ImmutableArray<long> inShape, ImmutableArray<long> outShape, string input, string at)
    {
        var v = Values(neuron, at);
        b.Node(p, "Scale", new() { ["scale"] = NirFloats.Fill64(outShape, 1.0) }, outShape, outShape,
            new() { [OpKey] = new NirText(OpValue) });
        for (int i = 0; i < v.Length; i++)
        {
            double below = i == 0 ? 0 : v[i - 1];
            string fire = b.Node($"{p}.fire{i + 1}", "Threshold", new() { ["threshold"] = NirFloats.Fill64(inShape, (below + v[i]) / 2) }, inShape, inShape);
            string count = b.Node($"{p}.count{i + 1}", "SumPool2d", new()
            {
                ["kernel_size"] = NirInts.Vector(m.Kernel, m.Kernel),
                ["stride"] = NirInts.Vector(m.Stride, m.Stride),
                ["padding"] = NirInts.Vector(m.Padding, m.Padding),
            }, inShape, outShape);
            b.Node($"{p}.any{i + 1}", "Threshold", new() { ["threshold"] = NirFloats.Fill64(outShape, 0.5) }, outShape, outShape);
            b.Edge(input, fire);
            b.Edge(fire, count);
            b.Edge(count, $"{p}.any{i + 1}");
        }
        for (int i = 0; i < v.Length; i++)
        {
            string top = $"{p}.any{i + 1}";
            if (i + 1 < v.Length)
            {
                string not = b.Node($"{p}.not{i + 1}", "Scale", new() { ["scale"] = NirFloats.Fill64(outShape, -1.0) }, outShape, outShape);
                b.Edge($"{p}.any{i + 2}", not);
                top = b.Node($"{p}.top{i + 1}", "Threshold", new() { ["threshold"] = NirFloats.Fill64(outShape, 0.5) }, outShape, outShape);
                b.Edge($"{p}.any{i + 1}", top);
                b.Edge(not, top);
            }
            string value = b.Node($"{p}.value{i + 1}", "Scale", new() { ["scale"] = NirFloats.Fill64(outShape, v[i]) }, outShape, outShape);
            b.Edge(top, value);
            b.Edge(value, p);
        }
        return p;
    }

    /// <summary>The group a node belongs to when it is a member (<c>P.fire1</c>, ...) of a max-pool construction, else null.</summary>
    public static string? GroupOf(string name, Dictionary<string, NirNode> nodes)
    {
        int dot = name.LastIndexOf('.');
        if (dot <= 0) return null;
        string head = name[..dot];
        return nodes.TryGetValue(head, out var h) && h.Type == "Scale" && h.Fields.TryGetValue("metadata", out var md) && md is NirFields f
            && f.Fields.TryGetValue(OpKey, out var op) && op is NirText { Value: OpValue } ? head : null;
    }

    /// <summary>Reads the construction headed by <paramref name="head"/> back as one max pool: its source, members and spec.</summary>
    public static (string Source, ImmutableArray<string> Members, MaxPool2dSpec Spec) Parse(string head, Dictionary<string, NirNode> nodes,
        Dictionary<string, List<string>> inEdges, string at)
    {
        var members = nodes.Keys.Where(k => k.StartsWith(head + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToImmutableArray();
        var fires = members.Where(k => nodes[k].Type == "Threshold" && k[(head.Length + 1)..].StartsWith("fire", StringComparison.Ordinal)).ToList();
        var counts = members.Where(k => nodes[k].Type == "SumPool2d").ToList();
        if (fires.Count == 0 || counts.Count != fires.Count)
            Fail($"{at}: max-pool construction '{NirFile.Safe(head)}' needs one SumPool2d per fire Threshold (has {counts.Count} and {fires.Count})");
        var sources = fires.SelectMany(f => inEdges[f]).Distinct().ToList();
        if (sources.Count != 1) Fail($"{at}: max-pool construction '{NirFile.Safe(head)}' fire thresholds must read one source (read {sources.Count})");
        var extra = members.Append(head).SelectMany(mb => inEdges[mb].Where(src => src != sources[0] && !members.Contains(src)).Select(src => (mb, src))).FirstOrDefault();
        if (extra.mb is not null) Fail($"{at}: max-pool construction '{NirFile.Safe(head)}' member '{NirFile.Safe(extra.mb)}' reads '{NirFile.Safe(extra.src)}' from outside");
        int[] Field(string key) => [.. counts.Select(c => nodes[c].Fields.TryGetValue(key, out var v) && v is NirInts i && i.Values.Length is 1 or 2 && i.Values.All(x => x == i.Values[0]) && i.Values[0] is >= 0 and <= 1 << 16
            ? (int)i.Values[0] : Fail<int>($"{at}: '{NirFile.Safe(c)}' field '{key}' must be one integer or two equal ones in 0..65536"))];
        int[] k = Field("kernel_size"), s = Field("stride"), pad = Field("padding");
        if (k.Distinct().Count() != 1 || s.Distinct().Count() != 1 || pad.Distinct().Count() != 1)
            Fail($"{at}: max-pool construction '{NirFile.Safe(head)}' SumPool2d nodes differ in kernel, stride or padding");
        return (sources[0], members, new MaxPool2dSpec(k[0], s[0], pad[0]));
    }
}
