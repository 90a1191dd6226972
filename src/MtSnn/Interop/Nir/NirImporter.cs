using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using MtSnn.Export;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;

namespace MtSnn.Interop.Nir;

/// <summary>
/// A NIR graph as an engine model: the node set of <see cref="NirExporter"/> (<c>Input</c>, <c>Conv2d</c>, <c>Affine</c>,
/// <c>Linear</c>, <c>AvgPool2d</c>, <c>Flatten</c>, <c>IF</c>, <c>LIF</c>, the neuron subgraph headed by an <c>I</c> or
/// <c>LI</c> node (<see cref="NirNeuronImport"/>), <c>Scale(1)</c> with two inputs as a residual sum, <c>Output</c>),
/// feed-forward except the neuron subgraph's reset edge. Every other node type, recurrence, fan-in or per-neuron varying
/// parameter is refused with <see cref="ModelFormatException"/> naming the node and its type.
/// </summary>
public static class NirImporter
{
    /// <summary>Reads and converts the NIR file at <paramref name="path"/> (see <see cref="Import(NirGraph, string, int?)"/>).</summary>
    public static ExportedModel Read(string path, int? timeSteps = null) => Import(NirFile.Read(path), $"'{path}'", timeSteps);

    /// <summary>Converts <paramref name="nir"/>; T comes from <paramref name="timeSteps"/> or the graph metadata.</summary>
    public static ExportedModel Import(NirGraph nir, string source, int? timeSteps = null)
    {
        ArgumentNullException.ThrowIfNull(nir);
        var nodes = new Dictionary<string, NirNode>(StringComparer.Ordinal);
        foreach (var (name, node) in nir.Nodes) nodes[name] = node;
        var inEdges = nodes.Keys.ToDictionary(k => k, _ => new List<string>());
        var outEdges = nodes.Keys.ToDictionary(k => k, _ => new List<string>());
        foreach (var e in nir.Edges)
        {
            if (!nodes.ContainsKey(e.Source) || !nodes.ContainsKey(e.Target))
                Fail($"{source}: edge {NirFile.Safe(e.Source)} -> {NirFile.Safe(e.Target)} names a node that does not exist");
            inEdges[e.Target].Add(e.Source);
            outEdges[e.Source].Add(e.Target);
        }
        var inputs = nodes.Where(n => n.Value.Type == "Input").Select(n => n.Key).ToList();
        var outputs = nodes.Where(n => n.Value.Type == "Output").Select(n => n.Key).ToList();
        if (inputs.Count != 1) Fail($"{source}: needs exactly one Input node (has {inputs.Count})");
        if (outputs.Count != 1) Fail($"{source}: needs exactly one Output node (has {outputs.Count})");
        var inShape = nodes[inputs[0]].InputShape;
        Shape3 input = inShape.Length switch
        {
            3 => new Shape3(Dim(inShape[0]), Dim(inShape[1]), Dim(inShape[2])),
            1 => new Shape3(Dim(inShape[0]), 1, 1),
            _ => Fail<Shape3>($"{source}: Input '{NirFile.Safe(inputs[0])}' shape must be [C, H, W] or [N] (got [{string.Join(", ", inShape)}])"),
        };

        int t = timeSteps ?? (nir.Metadata.TryGetValue(NirExporter.TimeStepsKey, out var tv) && tv is NirInts { Values.Length: 1 } ti ? (int)Math.Clamp(ti.Values[0], 0, int.MaxValue)
            : Fail<int>($"{source}: the graph metadata has no '{NirExporter.TimeStepsKey}'; give the number of time steps (--T)"));

        var layers = new List<LayerSpec>();
        var tensors = new List<TensorF32>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal) { [inputs[0]] = -1 };
        var consumed = new HashSet<string>(StringComparer.Ordinal) { inputs[0] };
        var queue = new Queue<string>(outEdges[inputs[0]]);
        while (queue.Count > 0)
        {
            string name = queue.Dequeue();
            if (consumed.Contains(name)) continue;
            var node = nodes[name];
            string at = $"{source}: node '{NirFile.Safe(name)}' ({NirFile.Safe(node.Type)})";
            var preds = inEdges[name];
            if (node.Type is "I" or "LI")
            {
                var sub = NirNeuronImport.Parse(name, nodes, inEdges, outEdges, at);
                if (!index.TryGetValue(sub.Source, out int src)) continue;
                layers.Add(new NeuronLayerSpec(sub.Neuron) { Input = src });
                foreach (var m in sub.Members) consumed.Add(m);
                index[sub.Output] = layers.Count - 1;
                foreach (var next in outEdges[sub.Output]) if (!consumed.Contains(next)) queue.Enqueue(next);
                continue;
            }
            if (NirMaxPool.GroupOf(name, nodes) is { } pool)
            {
                var mp = NirMaxPool.Parse(pool, nodes, inEdges, at);
                if (!index.TryGetValue(mp.Source, out int src)) continue;
                layers.Add(mp.Spec with { Input = src });
                foreach (var m in mp.Members) consumed.Add(m);
                consumed.Add(pool);
                index[pool] = layers.Count - 1;
                foreach (var next in outEdges[pool]) if (!consumed.Contains(next)) queue.Enqueue(next);
                continue;
            }
            if (preds.Any(p => !index.ContainsKey(p)))
            {
                if (preds.Any(p => consumed.Contains(p) is false && Reaches(name, p, outEdges)))
                    Fail($"{at}: recurrent edge into it (from '{NirFile.Safe(preds.First(p => !index.ContainsKey(p)))}') is not supported: the engine runs feed-forward graphs (only the neuron subgraph's reset edge is recurrent)");
                continue; // another input is not ready yet; it is queued again when that one is
            }
            if (node.Type == "Output")
            {
                if (consumed.Count + 1 != nodes.Count && queue.Count > 0) { queue.Enqueue(name); continue; }
                if (consumed.Count + 1 != nodes.Count)
                {
                    var left = nodes.Keys.First(k => !consumed.Contains(k) && k != name);
                    Fail($"{source}: node '{NirFile.Safe(left)}' ({NirFile.Safe(nodes[left].Type)}) is not on a supported path from Input to Output");
                }
                if (preds.Count != 1) Fail($"{at}: needs exactly one incoming edge (has {preds.Count})");
                layers.Add(new OutputSpec { Input = index[preds[0]] });
                consumed.Add(name);
                break;
            }
            var layer = NirLayerImport.Layer(name, node, preds.Select(p => index[p]).ToList(), tensors, at);
            layers.Add(layer);
            consumed.Add(name);
            index[name] = layers.Count - 1;
            foreach (var next in outEdges[name]) queue.Enqueue(next);
        }
        if (!consumed.Contains(outputs[0]))
        {
            var left = nodes.Keys.FirstOrDefault(k => !consumed.Contains(k) && nodes[k].Type != "Output") ?? outputs[0];
            Fail($"{source}: node '{NirFile.Safe(left)}' ({NirFile.Safe(nodes[left].Type)}) is not on a supported path from Input to Output");
        }
        var outShape = nodes[outputs[0]].InputShape.IsEmpty ? nodes[outputs[0]].OutputShape : nodes[outputs[0]].InputShape;
        if (outShape.IsEmpty || outShape.Any(d => d < 1)) Fail($"{source}: Output '{NirFile.Safe(outputs[0])}' has no shape (input_type/output_type)");
        long classes = outShape.Aggregate(1L, (x, y) => x * y);
        var graph = new ModelGraph { InputShape = input, TimeSteps = t, Layers = [.. layers], NumClasses = Dim(classes) };
        try { graph.InferShapes(); }
        catch (ModelFormatException e) { Fail($"{source}: {e.Message}"); }
        return new ExportedModel(graph, tensors);
    }

    private static bool Reaches(string from, string to, Dictionary<string, List<string>> outEdges)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([from]);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n == to) return true;
            if (seen.Add(n)) foreach (var m in outEdges[n]) stack.Push(m);
        }
        return false;
    }

    private static int Dim(long d) => d is >= 1 and <= ModelGraph.MaxValueSize ? (int)d : Fail<int>($"dimension {d} out of range 1..{ModelGraph.MaxValueSize}");

    [DoesNotReturn]
    internal static void Fail(string message) => throw new ModelFormatException(message);

    [DoesNotReturn]
    internal static T Fail<T>(string message) => throw new ModelFormatException(message);
}
