using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using MtSnn.Runtime.Format;

namespace MtSnn.Runtime.Graph;

/// <summary>
/// The exported network: input shape <c>[C, H, W]</c>, time steps T, classes, encoding (direct: the same input at
/// every step) and the ordered layers, the last an <see cref="OutputSpec"/>.
/// </summary>
public sealed record ModelGraph
{
    /// <summary>The graph format version this library reads and writes.</summary>
    public const int CurrentVersion = 1;
    /// <summary>Largest element count of any value (guards allocations of hostile files).</summary>
    public const int MaxValueSize = 1 << 26;
    /// <summary>Largest T accepted.</summary>
    public const int MaxTimeSteps = 1 << 16;

    /// <summary>Graph format version (1).</summary>
    public int FormatVersion { get; init; } = CurrentVersion;
    /// <summary>Input shape <c>[C, H, W]</c> (a vector input is <c>[N, 1, 1]</c>).</summary>
    public Shape3 InputShape { get; init; }
    /// <summary>Time steps T &gt;= 1.</summary>
    public int TimeSteps { get; init; } = 1;
    /// <summary>Number of classes (length of the logits).</summary>
    public int NumClasses { get; init; }
    /// <summary>Input encoding; only "direct" (identical real-valued input at every step).</summary>
    public string Encoding { get; init; } = "direct";
    /// <summary>The layers in execution order.</summary>
    public ImmutableArray<LayerSpec> Layers { get; init; } = [];

    /// <summary>
    /// Checks the graph's structure and returns each layer's output shape; throws <see cref="ModelFormatException"/>
    /// naming the first bad layer. Tensor shapes are checked by <see cref="MtSnnModel"/>.
    /// </summary>
    public Shape3[] InferShapes()
    {
        if (FormatVersion != CurrentVersion) Fail($"unsupported graph format_version {FormatVersion} (supported: {CurrentVersion})");
        if (InputShape.C < 1 || InputShape.H < 1 || InputShape.W < 1 || (long)InputShape.C * InputShape.H * InputShape.W > MaxValueSize)
            Fail($"input_shape must be 3 positive sizes with at most {MaxValueSize} elements (got [{InputShape.C}, {InputShape.H}, {InputShape.W}])");
        if (TimeSteps < 1 || TimeSteps > MaxTimeSteps) Fail($"time_steps T must be in 1..{MaxTimeSteps} (got {TimeSteps})");
        if (NumClasses < 1) Fail($"num_classes must be >= 1 (got {NumClasses})");
        if (Encoding != "direct") Fail($"unsupported encoding '{Encoding}' (allowed: direct)");
        if (Layers.IsDefaultOrEmpty) Fail("the graph has no layers (the last layer must be 'output')");
        var shapes = new Shape3[Layers.Length];
        for (int i = 0; i < Layers.Length; i++)
        {
            var layer = Layers[i];
            if (layer is null) Fail($"layer {i} is missing");
            if (layer.Input < -1 || layer.Input >= i) Fail($"layer {i} ({layer.Op}): input {layer.Input} must reference an earlier layer (-1 .. {i - 1})");
            var x = layer.Input < 0 ? InputShape : shapes[layer.Input];
            shapes[i] = OutputShape(i, layer, x, shapes);
            if (shapes[i].C < 1 || shapes[i].H < 1 || shapes[i].W < 1 || (long)shapes[i].C * shapes[i].H * shapes[i].W > MaxValueSize)
                Fail($"layer {i} ({layer.Op}): output shape [{shapes[i].C}, {shapes[i].H}, {shapes[i].W}] is empty or larger than {MaxValueSize} elements");
            if (layer is OutputSpec && i != Layers.Length - 1) Fail($"layer {i}: 'output' must be the last layer");
        }
        if (Layers[^1] is not OutputSpec) Fail($"the last layer must be 'output' (got '{Layers[^1].Op}')");
        return shapes;
    }

    private Shape3 OutputShape(int i, LayerSpec layer, Shape3 x, Shape3[] shapes)
    {
        string at = $"layer {i} ({layer.Op})";
        switch (layer)
        {
            case Conv2dSpec c:
                if (c.InChannels != x.C) Fail($"{at}: in_channels {c.InChannels} != input channels {x.C}");
                if (c.OutChannels < 1 || c.Kernel < 1 || c.Stride < 1 || c.Padding < 0 || c.Padding >= c.Kernel)
                    Fail($"{at}: needs out_channels >= 1, kernel >= 1, stride >= 1, 0 <= padding < kernel (got {c.OutChannels}, {c.Kernel}, {c.Stride}, {c.Padding})");
                return new Shape3(c.OutChannels, PoolOut(at, x.H, c.Kernel, c.Stride, c.Padding), PoolOut(at, x.W, c.Kernel, c.Stride, c.Padding));
            case LinearSpec l:
                if ((long)x.C * x.H * x.W != l.InFeatures) Fail($"{at}: in_features {l.InFeatures} != input size {x} = {(long)x.C * x.H * x.W}");
                if (l.OutFeatures < 1) Fail($"{at}: out_features must be >= 1 (got {l.OutFeatures})");
                return new Shape3(l.OutFeatures, 1, 1);
            case AvgPool2dSpec a:
                if (a.Kernel < 1 || a.Stride < 1) Fail($"{at}: kernel and stride must be >= 1 (got {a.Kernel}, {a.Stride})");
                return x with { H = PoolOut(at, x.H, a.Kernel, a.Stride, 0), W = PoolOut(at, x.W, a.Kernel, a.Stride, 0) };
            case MaxPool2dSpec m:
                if (m.Kernel < 1 || m.Stride < 1 || m.Padding < 0 || 2 * m.Padding > m.Kernel)
                    Fail($"{at}: needs kernel >= 1, stride >= 1, 0 <= padding <= kernel/2 (got {m.Kernel}, {m.Stride}, {m.Padding})");
                return x with { H = PoolOut(at, x.H, m.Kernel, m.Stride, m.Padding), W = PoolOut(at, x.W, m.Kernel, m.Stride, m.Padding) };
            case FlattenSpec:
                return new Shape3(x.C * x.H * x.W, 1, 1);
            case NeuronLayerSpec n:
                if (n.Neuron is null) Fail($"{at}: missing neuron parameters");
                if (n.Neuron.Problem() is { } p) Fail($"{at}: {p}");
                return x;
            case AddSpec s:
                if (s.Other < -1 || s.Other >= i) Fail($"{at}: other {s.Other} must reference an earlier layer (-1 .. {i - 1})");
                var y = s.Other < 0 ? InputShape : shapes[s.Other];
                if (x != y) Fail($"{at}: operand shapes differ ({x} vs {y})");
                return x;
            case OutputSpec:
                if ((long)x.C * x.H * x.W != NumClasses) Fail($"{at}: input size {(long)x.C * x.H * x.W} != num_classes {NumClasses}");
                return new Shape3(NumClasses, 1, 1);
            default:
                Fail($"{at}: unsupported op");
                return default;
        }
    }

    private static int PoolOut(string at, int n, int k, int s, int p)
    {
        long o = ((long)n + 2L * p - k) / s + 1;
        if ((long)n + 2L * p < k || o < 1) Fail($"{at}: kernel {k} does not fit the input size {n} (padding {p})");
        return (int)o;
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new ModelFormatException(message);
}
