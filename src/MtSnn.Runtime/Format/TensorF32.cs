using System.Collections.Immutable;

namespace MtSnn.Runtime.Format;

/// <summary>A named float32 tensor of the model file: row-major data of <see cref="Shape"/>.</summary>
public sealed class TensorF32
{
    private readonly float[] _data;

    /// <summary>Creates a tensor; the data length must equal the product of the shape.</summary>
    public TensorF32(string name, ImmutableArray<int> shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(data);
        long n = 1;
        foreach (int d in shape) n = d >= 0 ? n * d : throw new ArgumentException($"tensor '{name}': negative dimension {d}");
        if (n != data.Length) throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] holds {n} values, data has {data.Length}");
        Name = name;
        Shape = shape;
        _data = data;
    }

    /// <summary>The tensor's name (the safetensors key).</summary>
    public string Name { get; }
    /// <summary>The shape, outermost first.</summary>
    public ImmutableArray<int> Shape { get; }
    /// <summary>The values, row-major.</summary>
    public ReadOnlySpan<float> Data => _data;
    /// <summary>Shape as text, e.g. <c>[8, 3, 3, 3]</c>.</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
