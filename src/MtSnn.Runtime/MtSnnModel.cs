using System.Diagnostics.CodeAnalysis;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime;

/// <summary>
/// A validated <c>.mtsnn</c> model: the graph (from the safetensors metadata <c>mtsnn_graph</c>), every layer's
/// output shape, and the float32 tensors it references with shapes checked against the graph.
/// </summary>
public sealed class MtSnnModel
{
    /// <summary>The container format version written in <c>__metadata__.format_version</c>.</summary>
    public const string FormatVersion = "1";

    private MtSnnModel(ModelGraph graph, Shape3[] shapes, Dictionary<string, TensorF32> tensors)
    {
        Graph = graph;
        Shapes = shapes;
        Tensors = tensors;
    }

    /// <summary>The network.</summary>
    public ModelGraph Graph { get; }
    /// <summary>Output shape of each layer, by layer index.</summary>
    public IReadOnlyList<Shape3> Shapes { get; }
    /// <summary>The tensors, by name.</summary>
    public IReadOnlyDictionary<string, TensorF32> Tensors { get; }

    /// <summary>
    /// The name reports give layer <paramref name="layerIndex"/>: its module path in the source model
    /// (<see cref="LayerSpec.Name"/>, e.g. <c>features.0</c>), or <c>layer i</c> when the file has none.
    /// </summary>
    public string LayerName(int layerIndex) => Graph.Layers[layerIndex].Name ?? $"layer {layerIndex}";

    /// <summary>Shape of the value a layer reads: its input's output shape, or the model input for -1.</summary>
    public Shape3 ShapeOf(int layerIndex) => layerIndex < 0 ? Graph.InputShape : Shapes[layerIndex];

    /// <summary>Loads and validates a model file; throws <see cref="ModelFormatException"/> (one line) on any defect.</summary>
    public static MtSnnModel Load(string path)
    {
        byte[] bytes;
        if (Directory.Exists(path)) throw new ModelFormatException($"model file '{path}' is a folder; expected a .mtsnn file");
        if (!File.Exists(path)) throw new ModelFormatException($"model file '{path}' does not exist");
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ModelFormatException($"cannot read model file '{path}': {GraphJson.OneLine(e.Message)}", e); }
        try { return Load(bytes); }
        catch (ModelFormatException e) { throw new ModelFormatException($"model file '{path}': {e.Message}", e); }
    }

    /// <summary>Loads and validates a model image; throws <see cref="ModelFormatException"/> (one line) on any defect.</summary>
    public static MtSnnModel Load(ReadOnlySpan<byte> bytes)
    {
        var (tensors, metadata) = SafeTensors.Read(bytes);
        if (!metadata.TryGetValue("format_version", out var version)) Fail("__metadata__ has no 'format_version' (expected \"1\")");
        if (version != FormatVersion) Fail($"unsupported format_version '{version}' (supported: {FormatVersion})");
        if (!metadata.TryGetValue("mtsnn_graph", out var json)) Fail("__metadata__ has no 'mtsnn_graph' (the graph JSON)");
        var graph = GraphJson.Parse(json);
        var shapes = graph.InferShapes();
        for (int i = 0; i < graph.Layers.Length; i++)
        {
            switch (graph.Layers[i])
            {
                case Conv2dSpec c:
                    Check(tensors, i, c.Weight, [c.OutChannels, c.InChannels, c.Kernel, c.Kernel]);
                    if (c.Bias is not null) Check(tensors, i, c.Bias, [c.OutChannels]);
                    break;
                case LinearSpec l:
                    Check(tensors, i, l.Weight, [l.OutFeatures, l.InFeatures]);
                    if (l.Bias is not null) Check(tensors, i, l.Bias, [l.OutFeatures]);
                    break;
            }
        }
        return new MtSnnModel(graph, shapes, tensors);
    }

    private static void Check(Dictionary<string, TensorF32> tensors, int layer, string name, int[] shape)
    {
        if (!tensors.TryGetValue(name, out var t)) Fail($"layer {layer}: tensor '{name}' is missing from the file");
        if (!t.Shape.AsSpan().SequenceEqual(shape))
            Fail($"layer {layer}: tensor '{name}' has shape {t.ShapeText}, the graph needs [{string.Join(", ", shape)}]");
    }

    /// <summary>
    /// Multiply-accumulates of one forward pass of the same architecture as an ANN (every conv and linear once,
    /// padded taps not counted): <c>sum_conv C_in C_out sum_{oy,ox} #valid taps</c> + <c>sum_linear in out</c>.
    /// </summary>
    public long AnnMacs()
    {
        long macs = 0;
        for (int i = 0; i < Graph.Layers.Length; i++) macs += LayerMacs(i);
        return macs;
    }

    /// <summary>Multiply-accumulates of one dense evaluation of layer i (0 for layers without weights).</summary>
    public long LayerMacs(int i) => Graph.Layers[i] switch
    {
        Conv2dSpec c => (long)c.InChannels * c.OutChannels
            * ValidTaps(ShapeOf(c.Input).H, Shapes[i].H, c.Kernel, c.Stride, c.Padding)
            * ValidTaps(ShapeOf(c.Input).W, Shapes[i].W, c.Kernel, c.Stride, c.Padding),
        LinearSpec l => (long)l.InFeatures * l.OutFeatures,
        _ => 0,
    };

    /// <summary>Sum over output positions of the kernel taps that land inside the input (one dimension).</summary>
    internal static long ValidTaps(int inSize, int outSize, int kernel, int stride, int pad)
    {
        long taps = 0;
        for (int o = 0; o < outSize; o++)
        {
            int lo = Math.Max(0, pad - o * stride), hi = Math.Min(kernel, inSize + pad - o * stride);
            taps += Math.Max(0, hi - lo);
        }
        return taps;
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new ModelFormatException(message);
}
