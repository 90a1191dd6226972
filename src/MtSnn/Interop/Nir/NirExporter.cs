using System.Collections.Immutable;
using MtSnn.Export;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;

namespace MtSnn.Interop.Nir;

/// <summary>
/// An engine model (<see cref="ExportedModel"/>: batch norm already folded) as a NIR graph: <c>Input</c>, <c>Conv2d</c>,
/// <c>Affine</c>/<c>Linear</c>, <c>AvgPool2d</c>, <c>Flatten</c>, neurons (native <c>IF</c>/<c>LIF</c> for single-threshold
/// hard reset, the <see cref="NirNeuronExport"/> subgraph otherwise), residual sums as <c>Scale(1)</c> with two inputs,
/// and <c>Output</c>; every node carries its <c>input_type</c>/<c>output_type</c> shapes (no batch or time axis).
/// The engine's read-out <c>logits = (1/T) sum_t Output[t]</c> and T are in the graph metadata. Anything without an exact
/// NIR form is refused with <see cref="NotSupportedException"/> naming the layer and the option.
/// </summary>
public static class NirExporter
{
    /// <summary>Graph metadata key: T the model was exported for.</summary>
    public const string TimeStepsKey = "mtsnn_time_steps";
    /// <summary>Graph metadata key: the read-out, always <c>mean_over_time</c>.</summary>
    public const string ReadoutKey = "mtsnn_readout";

    /// <summary>Converts the model and writes the NIR file atomically.</summary>
    public static void Write(ExportedModel model, string path, string source = "model") => NirFile.Write(path, Export(model, source));

    /// <summary>Converts the model; <paramref name="source"/> names it in messages.</summary>
    public static NirGraph Export(ExportedModel model, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        var shapes = graph.InferShapes();
        var tensors = model.Tensors.ToDictionary(t => t.Name);
        var b = new Builder();
        var outName = new string[graph.Layers.Length];
        var vector = new bool[graph.Layers.Length];
        b.Node("input", "Input", [], Shape(graph.InputShape, false), Shape(graph.InputShape, false));
        string Source(int i) => i < 0 ? "input" : outName[i];
        bool IsVector(int i) => i >= 0 && vector[i];
        for (int i = 0; i < graph.Layers.Length; i++)
        {
            var layer = graph.Layers[i];
            var x = layer.Input < 0 ? graph.InputShape : shapes[layer.Input];
            bool vin = IsVector(layer.Input);
            var inShape = Shape(x, vin);
            string at = $"{source}: layer {i} ({layer.Op})";
            switch (layer)
            {
                case Conv2dSpec c:
                    if (vin) throw new NotSupportedException($"{at}: a convolution of a flattened vector has no NIR form");
                    outName[i] = b.Node($"conv{i}", "Conv2d", new()
                    {
                        ["weight"] = Floats(tensors[c.Weight]),
                        ["bias"] = c.Bias is null ? NirFloats.Fill64([c.OutChannels], 0) with { Float64 = false } : Floats(tensors[c.Bias]),
                        ["stride"] = NirInts.Vector(c.Stride, c.Stride),
                        ["padding"] = NirInts.Vector(c.Padding, c.Padding),
                        ["dilation"] = NirInts.Vector(1, 1),
                        ["groups"] = NirInts.Scalar(1),
                        ["input_shape"] = NirInts.Vector(x.H, x.W),
                    }, inShape, Shape(shapes[i], false));
                    break;
                case LinearSpec l:
                    if (!vin && !x.IsVector) throw new NotSupportedException($"{at}: a linear layer on a {x} map needs a flatten before it in NIR");
                    var fields = new Dictionary<string, NirValue> { ["weight"] = Floats(tensors[l.Weight]) };
                    if (l.Bias is not null) fields["bias"] = Floats(tensors[l.Bias]);
                    outName[i] = b.Node($"{(l.Bias is null ? "linear" : "affine")}{i}", l.Bias is null ? "Linear" : "Affine", fields,
                        [l.InFeatures], [l.OutFeatures]);
                    vector[i] = true;
                    break;
                case AvgPool2dSpec a:
                    if (vin) throw new NotSupportedException($"{at}: pooling of a flattened vector has no NIR form");
                    outName[i] = b.Node($"avgpool{i}", "AvgPool2d", new()
                    {
                        ["kernel_size"] = NirInts.Vector(a.Kernel, a.Kernel),
                        ["stride"] = NirInts.Vector(a.Stride, a.Stride),
                        ["padding"] = NirInts.Vector(0, 0),
                    }, inShape, Shape(shapes[i], false));
                    break;
                case MaxPool2dSpec m:
                    if (vin) throw new NotSupportedException($"{at}: pooling of a flattened vector has no NIR form");
                    if (layer.Input < 0 || graph.Layers[layer.Input] is not NeuronLayerSpec spiking)
                        throw new NotSupportedException($"{at}: NIR has no max pooling primitive; its exact construction needs the spikes of a neuron layer as input (this one reads {(layer.Input < 0 ? "the image" : graph.Layers[layer.Input].Op)})");
                    outName[i] = NirMaxPool.Add(b, $"maxpool{i}", m, spiking.Neuron, inShape, Shape(shapes[i], false), Source(layer.Input), at);
                    continue;   // its entries (the fire thresholds) already read the input
                case FlattenSpec:
                    outName[i] = b.Node($"flatten{i}", "Flatten", new()
                    {
                        ["start_dim"] = NirInts.Scalar(0), ["end_dim"] = NirInts.Scalar(-1),
                    }, inShape, [shapes[i].C]);
                    vector[i] = true;
                    break;
                case NeuronLayerSpec n:
                    outName[i] = NirNeuronExport.Add(b, $"neuron{i}", n.Neuron, inShape, at);
                    vector[i] = vin;
                    break;
                case AddSpec s:
                    if (IsVector(s.Other) != vin) throw new NotSupportedException($"{at}: adds a vector to a map");
                    outName[i] = b.Node($"add{i}", "Scale", new() { ["scale"] = NirFloats.Fill64(inShape, 1.0) }, inShape, inShape);
                    b.Edge(Source(s.Other), outName[i]);
                    vector[i] = vin;
                    break;
                case OutputSpec:
                    outName[i] = b.Node("output", "Output", [], inShape, inShape);
                    break;
                default:
                    throw new NotSupportedException($"{at}: no NIR form");
            }
            b.Edge(Source(layer.Input), b.EntryOf(outName[i]));
        }
        var metadata = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new KeyValuePair<string, NirValue>[]
        {
            new(TimeStepsKey, NirInts.Scalar(graph.TimeSteps)),
            new("dt", new NirFloats([], [NirConventions.Dt], true)),
            new(ReadoutKey, new NirText("mean_over_time")),
            new("mtsnn_encoding", new NirText(graph.Encoding)),
        });
        return new NirGraph(b.Nodes.ToImmutable(), b.Edges.ToImmutable(), metadata);
    }

    private static ImmutableArray<long> Shape(Shape3 s, bool vector) => vector ? [s.Size] : [s.C, s.H, s.W];

    private static NirFloats Floats(TensorF32 t)
    {
        var v = new double[t.Data.Length];
        for (int i = 0; i < v.Length; i++) v[i] = t.Data[i];
        return NirFloats.F32([.. t.Shape.Select(d => (long)d)], v);
    }

    /// <summary>Collects nodes and edges; a node's entry (where its input edge goes) can differ from its output.</summary>
    internal sealed class Builder
    {
        private readonly Dictionary<string, string> _entry = [];
        public ImmutableArray<(string, NirNode)>.Builder Nodes { get; } = ImmutableArray.CreateBuilder<(string, NirNode)>();
        public ImmutableArray<NirEdge>.Builder Edges { get; } = ImmutableArray.CreateBuilder<NirEdge>();

        public string Node(string name, string type, Dictionary<string, NirValue> fields, ImmutableArray<long> input, ImmutableArray<long> output,
            Dictionary<string, NirValue>? metadata = null)
        {
            var f = fields.ToImmutableSortedDictionary(StringComparer.Ordinal)
                .Add("input_type", Types("input", input)).Add("output_type", Types("output", output));
            if (metadata is { Count: > 0 }) f = f.Add("metadata", new NirFields(metadata.ToImmutableSortedDictionary(StringComparer.Ordinal)));
            Nodes.Add((name, new NirNode(type, f)));
            return name;
        }

        public void Edge(string source, string target) => Edges.Add(new NirEdge(source, target));

        /// <summary>Marks <paramref name="entry"/> as the node that receives the input of the subgraph named <paramref name="output"/>.</summary>
        public void SetEntry(string output, string entry) => _entry[output] = entry;

        public string EntryOf(string output) => _entry.TryGetValue(output, out var e) ? e : output;

        private static NirFields Types(string key, ImmutableArray<long> shape) =>
            new(ImmutableSortedDictionary.Create<string, NirValue>(StringComparer.Ordinal).Add(key, NirInts.Vector([.. shape])));
    }
}
