using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MtSnn.Neurons;
using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Format;

/// <summary>
/// Reads and writes the graph JSON carried in the safetensors metadata key <c>mtsnn_graph</c>
/// (docs/model-format.md). Reflection-free (trimming and NativeAOT safe); every defect is a
/// <see cref="ModelFormatException"/>.
/// </summary>
public static class GraphJson
{
    /// <summary>Parses the graph JSON text.</summary>
    public static ModelGraph Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) Fail("graph JSON must be an object");
            int version = Int(root, "format_version", "graph");
            if (version != ModelGraph.CurrentVersion) Fail($"unsupported graph format_version {version} (supported: {ModelGraph.CurrentVersion})");
            var shape = Prop(root, "input_shape", "graph");
            if (shape.ValueKind != JsonValueKind.Array || shape.GetArrayLength() != 3) Fail("graph: input_shape must be an array [C, H, W]");
            var dims = shape.EnumerateArray().Select(e => AsInt(e, "graph: input_shape")).ToArray();
            var layersEl = Prop(root, "layers", "graph");
            if (layersEl.ValueKind != JsonValueKind.Array) Fail("graph: layers must be an array");
            var layers = ImmutableArray.CreateBuilder<LayerSpec>();
            int i = 0;
            foreach (var el in layersEl.EnumerateArray()) layers.Add(ParseLayer(el, i++));
            return new ModelGraph
            {
                FormatVersion = version,
                InputShape = new Shape3(dims[0], dims[1], dims[2]),
                TimeSteps = Int(root, "time_steps", "graph"),
                NumClasses = Int(root, "num_classes", "graph"),
                Encoding = Str(root, "encoding", "graph"),
                Layers = layers.ToImmutable(),
            };
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"graph JSON is malformed: {OneLine(e.Message)}", e);
        }
    }

    private static LayerSpec ParseLayer(JsonElement el, int i)
    {
        string at = $"layer {i}";
        if (el.ValueKind != JsonValueKind.Object) Fail($"{at}: must be an object");
        string op = Str(el, "op", at);
        at = $"layer {i} ({op})";
        LayerSpec layer = op switch
        {
            "conv2d" => new Conv2dSpec(Int(el, "in_channels", at), Int(el, "out_channels", at), Int(el, "kernel", at),
                OptInt(el, "stride", at) ?? 1, OptInt(el, "padding", at) ?? 0, Str(el, "weight", at), OptStr(el, "bias", at)),
            "linear" => new LinearSpec(Int(el, "in_features", at), Int(el, "out_features", at), Str(el, "weight", at), OptStr(el, "bias", at)),
            "avgpool2d" => AvgPool(el, at),
            "maxpool2d" => new MaxPool2dSpec(Int(el, "kernel", at), OptInt(el, "stride", at) ?? Int(el, "kernel", at), OptInt(el, "padding", at) ?? 0),
            "flatten" => new FlattenSpec(),
            "neuron" => new NeuronLayerSpec(ParseNeuron(el, at)),
            "add" => new AddSpec(Int(el, "other", at)),
            "output" => new OutputSpec(),
            _ => throw new ModelFormatException($"{at}: unknown op (allowed: conv2d, linear, avgpool2d, maxpool2d, flatten, neuron, add, output)"),
        };
        return layer with { Input = OptInt(el, "input", at) ?? i - 1, Name = LayerName(el, at) };
    }

    private static AvgPool2dSpec AvgPool(JsonElement el, string at)
    {
        if ((OptInt(el, "padding", at) ?? 0) != 0) Fail($"{at}: padding must be 0");
        int k = Int(el, "kernel", at);
        return new AvgPool2dSpec(k, OptInt(el, "stride", at) ?? k);
    }

    private static NeuronSpec ParseNeuron(JsonElement el, string at)
    {
        var dynamics = Name<Dynamics>(Str(el, "dynamics", at), "dynamics", at);
        var mode = Name<FiringMode>(Str(el, "mode", at), "mode", at);
        var reset = Name<ResetMode>(OptStr(el, "reset", at) ?? "soft", "reset", at);
        var thresholds = Doubles(el, "thresholds", at);
        var weights = Doubles(el, "weights", at);
        int levels = Int(el, "levels", at);
        if (levels != thresholds.Length) Fail($"{at}: levels {levels} != number of thresholds {thresholds.Length}");
        double decay = 0.5;
        if (dynamics != Dynamics.IF)
        {
            double? d = OptDouble(el, "decay", at);
            double? tau = OptDouble(el, "tau", at);
            if (d is null && tau is null) Fail($"{at}: {dynamics.ToString().ToLowerInvariant()} needs 'decay' (1/tau) or 'tau'");
            decay = d ?? 1.0 / tau!.Value;
        }
        double vReset = OptDouble(el, "v_reset", at) ?? 0;
        return new NeuronSpec
        {
            Dynamics = dynamics, Mode = mode, Reset = reset, Thresholds = thresholds, Weights = weights,
            VThreshold = Double(el, "v_th", at), Decay = decay, VReset = vReset,
            VInit = OptDouble(el, "v_init", at) ?? vReset, DecayInput = OptBool(el, "decay_input", at) ?? true,
        };
    }

    /// <summary>Writes the graph as compact JSON (the inverse of <see cref="Parse"/>).</summary>
    public static string Write(ModelGraph graph)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("format_version", graph.FormatVersion);
            w.WriteStartArray("input_shape");
            w.WriteNumberValue(graph.InputShape.C); w.WriteNumberValue(graph.InputShape.H); w.WriteNumberValue(graph.InputShape.W);
            w.WriteEndArray();
            w.WriteNumber("time_steps", graph.TimeSteps);
            w.WriteNumber("num_classes", graph.NumClasses);
            w.WriteString("encoding", graph.Encoding);
            w.WriteStartArray("layers");
            foreach (var layer in graph.Layers) WriteLayer(w, layer);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteLayer(Utf8JsonWriter w, LayerSpec layer)
    {
        w.WriteStartObject();
        w.WriteString("op", layer.Op);
        w.WriteNumber("input", layer.Input);
        if (layer.Name is { } name) w.WriteString("name", name);
        switch (layer)
        {
            case Conv2dSpec c:
                w.WriteNumber("in_channels", c.InChannels); w.WriteNumber("out_channels", c.OutChannels);
                w.WriteNumber("kernel", c.Kernel); w.WriteNumber("stride", c.Stride); w.WriteNumber("padding", c.Padding);
                w.WriteString("weight", c.Weight);
                if (c.Bias is null) w.WriteNull("bias"); else w.WriteString("bias", c.Bias);
                break;
            case LinearSpec l:
                w.WriteNumber("in_features", l.InFeatures); w.WriteNumber("out_features", l.OutFeatures);
                w.WriteString("weight", l.Weight);
                if (l.Bias is null) w.WriteNull("bias"); else w.WriteString("bias", l.Bias);
                break;
            case AvgPool2dSpec a:
                w.WriteNumber("kernel", a.Kernel); w.WriteNumber("stride", a.Stride); w.WriteNumber("padding", 0);
                break;
            case MaxPool2dSpec m:
                w.WriteNumber("kernel", m.Kernel); w.WriteNumber("stride", m.Stride); w.WriteNumber("padding", m.Padding);
                break;
            case NeuronLayerSpec { Neuron: var n }:
                w.WriteString("dynamics", n.Dynamics.ToString().ToLowerInvariant());
                w.WriteString("mode", n.Mode.ToString().ToLowerInvariant());
                w.WriteNumber("levels", n.Levels);
                w.WriteStartArray("thresholds"); foreach (var t in n.Thresholds) w.WriteNumberValue(t); w.WriteEndArray();
                w.WriteStartArray("weights"); foreach (var l in n.Weights) w.WriteNumberValue(l); w.WriteEndArray();
                w.WriteNumber("v_th", n.VThreshold);
                if (n.Dynamics != Dynamics.IF) { w.WriteNumber("decay", n.Decay); w.WriteNumber("tau", 1.0 / n.Decay); }
                w.WriteNumber("v_reset", n.VReset);
                w.WriteNumber("v_init", n.VInit);
                w.WriteString("reset", n.Reset.ToString().ToLowerInvariant());
                w.WriteBoolean("decay_input", n.DecayInput);
                break;
            case AddSpec s:
                w.WriteNumber("other", s.Other);
                break;
        }
        w.WriteEndObject();
    }

    private static JsonElement Prop(JsonElement el, string name, string at)
    {
        if (!el.TryGetProperty(name, out var v)) Fail($"{at}: missing '{name}'");
        return v;
    }

    private static int Int(JsonElement el, string name, string at) => AsInt(Prop(el, name, at), $"{at}: '{name}'");

    private static int? OptInt(JsonElement el, string name, string at) =>
        el.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? AsInt(v, $"{at}: '{name}'") : null;

    private static int AsInt(JsonElement v, string what)
    {
        int x = 0;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out x)) Fail($"{what} must be an integer in the 32-bit range");
        return x;
    }

    private static double Double(JsonElement el, string name, string at) => AsDouble(Prop(el, name, at), $"{at}: '{name}'");

    private static double? OptDouble(JsonElement el, string name, string at) =>
        el.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? AsDouble(v, $"{at}: '{name}'") : null;

    private static double AsDouble(JsonElement v, string what)
    {
        double x = 0;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out x) || !double.IsFinite(x)) Fail($"{what} must be a finite number");
        return x;
    }

    private static bool? OptBool(JsonElement el, string name, string at)
    {
        if (!el.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) Fail($"{at}: '{name}' must be true or false");
        return v.GetBoolean();
    }

    /// <summary>The optional layer name: at most 200 ASCII letters, digits, '_', '.', '-' (a module path), so reports can show it as it is.</summary>
    private static string? LayerName(JsonElement el, string at)
    {
        var name = OptStr(el, "name", at);
        if (name is not null && (name.Length is 0 or > 200 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')))
            Fail($"{at}: 'name' must be 1 to 200 ASCII letters, digits, '_', '.' or '-' (a module path such as features.0)");
        return name;
    }

    /// <summary>The enum value spelled <paramref name="s"/> in the file (its lower-case name: what the writer writes).</summary>
    private static TEnum Name<TEnum>(string s, string what, string at) where TEnum : struct, Enum
    {
        foreach (var v in Enum.GetValues<TEnum>())
            if (v.ToString().ToLowerInvariant() == s) return v;
        throw new ModelFormatException($"{at}: unknown {what} '{s}' (allowed: {string.Join(", ", Enum.GetValues<TEnum>().Select(v => v.ToString().ToLowerInvariant()))})");
    }

    private static string Str(JsonElement el, string name, string at) =>
        OptStr(el, name, at) ?? throw new ModelFormatException($"{at}: missing '{name}'");

    private static string? OptStr(JsonElement el, string name, string at)
    {
        if (!el.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) Fail($"{at}: '{name}' must be a string");
        return v.GetString();
    }

    private static ImmutableArray<double> Doubles(JsonElement el, string name, string at)
    {
        var v = Prop(el, name, at);
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > 16) Fail($"{at}: '{name}' must be an array of at most 16 numbers");
        return [.. v.EnumerateArray().Select(e => AsDouble(e, $"{at}: '{name}'"))];
    }

    internal static string OneLine(string s) => s.ReplaceLineEndings(" ");

    [DoesNotReturn]
    private static void Fail(string message) => throw new ModelFormatException(message);
}
