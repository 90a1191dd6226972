using System.Collections.Immutable;

namespace MtSnn.Interop.Nir;

/// <summary>A field of a NIR node as stored in the HDF5 file: a numeric array, a string, or a group of fields.</summary>
public abstract record NirValue;

/// <summary>A floating-point array; <see cref="Float64"/> says whether it is stored as float64 (else float32).</summary>
public sealed record NirFloats(ImmutableArray<long> Shape, double[] Values, bool Float64) : NirValue
{
    /// <summary>A float32 array of <paramref name="shape"/> (the values must be float32-representable to round-trip).</summary>
    public static NirFloats F32(ImmutableArray<long> shape, double[] values) => new(shape, values, false);
    /// <summary>A float64 array of <paramref name="shape"/>, every element <paramref name="value"/>.</summary>
    public static NirFloats Fill64(ImmutableArray<long> shape, double value)
    {
        long n = 1;
        foreach (long d in shape) n *= d;
        var v = new double[n];
        Array.Fill(v, value);
        return new NirFloats(shape, v, true);
    }
}

/// <summary>An int64 array (shapes, strides, paddings, dimension indices).</summary>
public sealed record NirInts(ImmutableArray<long> Shape, long[] Values) : NirValue
{
    /// <summary>A vector of the given values.</summary>
    public static NirInts Vector(params long[] values) => new([values.Length], values);
    /// <summary>A scalar (rank 0).</summary>
    public static NirInts Scalar(long value) => new([], [value]);
}

/// <summary>A UTF-8 string (the node <c>type</c>, the file <c>version</c>).</summary>
public sealed record NirText(string Value) : NirValue;

/// <summary>A sub-group of fields, e.g. <c>input_type</c> = <c>{input: shape}</c> or <c>metadata</c>.</summary>
public sealed record NirFields(ImmutableSortedDictionary<string, NirValue> Fields) : NirValue;

/// <summary>One NIR node: its type (<c>Affine</c>, <c>Conv2d</c>, <c>LIF</c>, ...) and its fields as in the file.</summary>
public sealed record NirNode(string Type, ImmutableSortedDictionary<string, NirValue> Fields)
{
    /// <summary>The node's <c>input_type.input</c> shape (empty when absent).</summary>
    public ImmutableArray<long> InputShape => Shape("input_type", "input");
    /// <summary>The node's <c>output_type.output</c> shape (empty when absent).</summary>
    public ImmutableArray<long> OutputShape => Shape("output_type", "output");

    private ImmutableArray<long> Shape(string group, string key) =>
        Fields.TryGetValue(group, out var g) && g is NirFields f && f.Fields.TryGetValue(key, out var s) && s is NirInts i
            ? [.. i.Values] : [];
}

/// <summary>A directed edge <c>source -&gt; target</c>; a node's input is the sum of its incoming edges.</summary>
public readonly record struct NirEdge(string Source, string Target);

/// <summary>
/// A NIR graph (type <c>NIRGraph</c>): named nodes, edges, and graph metadata, in the file layout of the NIR
/// reference implementation (<c>/version</c>, <c>/node/{type, nodes/NAME/..., edges, input_type, output_type, metadata}</c>).
/// </summary>
public sealed record NirGraph(ImmutableArray<(string Name, NirNode Node)> Nodes, ImmutableArray<NirEdge> Edges,
    ImmutableSortedDictionary<string, NirValue> Metadata)
{
    /// <summary>The NIR version written to <c>/version</c>.</summary>
    public const string Version = "1.0.0";
}
