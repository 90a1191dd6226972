using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using static MtSnn.Interop.Nir.NirImporter;

namespace MtSnn.Interop.Nir;

/// <summary>One NIR node (outside a neuron subgraph) as one engine layer; the parameter checks of each node type.</summary>
internal static class NirLayerImport
{
    /// <summary>The node types this importer reads, for messages.</summary>
    public const string Supported = "Input, Output, Conv2d, Affine, Linear, AvgPool2d, Flatten, IF, LIF, Scale (residual sum), the neuron subgraph (I/LI, Threshold, Scale), and the max-pool construction (Threshold, SumPool2d, Scale; metadata mtsnn_op)";

    public static LayerSpec Layer(string name, NirNode node, List<int> inputs, List<TensorF32> tensors, string at)
    {
        if (node.Type != "Scale" && inputs.Count != 1)
            Fail($"{at}: has {inputs.Count} incoming edges; the engine sums two inputs only in a residual Scale(1) node");
        switch (node.Type)
        {
            case "Conv2d":
            {
                var w = Floats(node, "weight", at, 4);
                if (w.Shape[2] != w.Shape[3]) Fail($"{at}: kernel {w.Shape[2]}x{w.Shape[3]} is not square (the engine has square kernels)");
                int stride = Square(node, "stride", at, 1), padding = Square(node, "padding", at, 0);
                if (Square(node, "dilation", at, 1) != 1) Fail($"{at}: dilation other than 1 is not supported");
                if (node.Fields.TryGetValue("groups", out var g) && g is NirInts gi && gi.Values.Any(v => v != 1)) Fail($"{at}: groups other than 1 are not supported");
                string? bias = Bias(name, node, (int)w.Shape[0], tensors, at);
                return new Conv2dSpec((int)w.Shape[1], (int)w.Shape[0], (int)w.Shape[2], stride, padding, Tensor($"{name}.weight", w, tensors), bias) { Input = inputs[0] };
            }
            case "Affine" or "Linear":
            {
                var w = Floats(node, "weight", at, 2);
                string? bias = node.Type == "Affine" ? Bias(name, node, (int)w.Shape[0], tensors, at) : null;
                return new LinearSpec((int)w.Shape[1], (int)w.Shape[0], Tensor($"{name}.weight", w, tensors), bias) { Input = inputs[0] };
            }
            case "AvgPool2d":
                if (Square(node, "padding", at, 0) != 0) Fail($"{at}: padding other than 0 is not supported");
                return new AvgPool2dSpec(Square(node, "kernel_size", at, null), Square(node, "stride", at, null)) { Input = inputs[0] };
            case "SumPool2d":
                Fail($"{at}: the engine has average pooling, not sum pooling (supported: {Supported})");
                return null;
            case "Flatten":
                return new FlattenSpec { Input = inputs[0] };
            case "IF" or "LIF":
                return new NeuronLayerSpec(NirNeuronImport.Native(node, at)) { Input = inputs[0] };
            case "Scale":
                if (inputs.Count != 2 || Uniform(node, "scale", at) != 1.0)
                    Fail($"{at}: a Scale outside a neuron subgraph must be a residual sum (scale 1, two incoming edges; has {inputs.Count})");
                return new AddSpec(inputs[1]) { Input = inputs[0] };
            default:
                Fail($"{at}: node type not supported (supported: {Supported})");
                return null;
        }
    }

    private static string? Bias(string name, NirNode node, int outputs, List<TensorF32> tensors, string at)
    {
        if (!node.Fields.ContainsKey("bias")) return null;
        var b = Floats(node, "bias", at, 1);
        if (b.Shape[0] != outputs) Fail($"{at}: bias has {b.Shape[0]} values, the weight {outputs} outputs");
        return Tensor($"{name}.bias", b, tensors);
    }

    private static string Tensor(string name, NirFloats f, List<TensorF32> tensors)
    {
        tensors.Add(new TensorF32(name, [.. f.Shape.Select(d => (int)d)], [.. f.Values.Select(v => (float)v)]));
        return name;
    }

    /// <summary>A float field of the given rank with positive dimensions.</summary>
    public static NirFloats Floats(NirNode node, string key, string at, int rank)
    {
        if (!node.Fields.TryGetValue(key, out var v) || v is not NirFloats f) return Fail<NirFloats>($"{at}: float field '{key}' is missing");
        if (f.Shape.Length != rank || f.Shape.Any(d => d < 1 || d > ModelGraph.MaxValueSize))
            Fail($"{at}: '{key}' must have rank {rank} with positive sizes (got [{string.Join(", ", f.Shape)}])");
        if (f.Values.Any(x => !double.IsFinite(x))) Fail($"{at}: '{key}' holds a value that is not finite");
        return f;
    }

    /// <summary>The single value of a float field that must hold the same value for every neuron.</summary>
    public static double Uniform(NirNode node, string key, string at)
    {
        if (!node.Fields.TryGetValue(key, out var v) || v is not NirFloats f || f.Values.Length == 0) return Fail<double>($"{at}: float field '{key}' is missing");
        double x = f.Values[0];
        if (!double.IsFinite(x)) Fail($"{at}: '{key}' is not finite");
        if (f.Values.Any(y => y != x)) Fail($"{at}: '{key}' differs between neurons; the engine has one value per layer");
        return x;
    }

    /// <summary>An int field given as a scalar or as two equal values (H, W).</summary>
    private static int Square(NirNode node, string key, string at, int? fallback)
    {
        if (!node.Fields.TryGetValue(key, out var v))
            return fallback ?? Fail<int>($"{at}: integer field '{key}' is missing");
        if (v is not NirInts i || i.Values.Length is < 1 or > 2 || i.Values.Any(x => x != i.Values[0]) || i.Values[0] is < 0 or > 1 << 16)
            return Fail<int>($"{at}: '{key}' must be one integer or two equal ones in 0..65536");
        return (int)i.Values[0];
    }
}
