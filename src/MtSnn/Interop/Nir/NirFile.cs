using System.Collections.Immutable;
using MtSnn.IO;
using MtSnn.Runtime.Format;
using PureHDF;
using PureHDF.VOL.Native;

namespace MtSnn.Interop.Nir;

/// <summary>
/// Reads and writes the HDF5 layout of the NIR reference implementation (<c>nir.write</c> / <c>nir.read</c>): a string
/// dataset <c>/version</c>, and the graph under the group <c>/node</c>: <c>type = "NIRGraph"</c>, one group per node
/// under <c>nodes/</c> (its <c>type</c> string, its parameter arrays, <c>input_type/input</c>, <c>output_type/output</c>),
/// <c>edges</c> as an <c>[E, 2]</c> string array, graph <c>input_type</c>/<c>output_type</c> and <c>metadata</c>.
/// Written with PureHDF; a file is written to a temporary name and renamed.
/// </summary>
public static class NirFile
{
    /// <summary>Largest element count of one array read from a file (guards allocations of hostile files).</summary>
    public const long MaxElements = 1L << 26;

    /// <summary>Writes <paramref name="graph"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, NirGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var nodes = new H5Group();
        foreach (var (name, node) in graph.Nodes) nodes[name] = Group(node.Fields.Add("type", new NirText(node.Type)));
        var edges = new string[graph.Edges.Length * 2];
        for (int i = 0; i < graph.Edges.Length; i++) (edges[2 * i], edges[2 * i + 1]) = (graph.Edges[i].Source, graph.Edges[i].Target);
        var root = new H5Group
        {
            ["type"] = "NIRGraph",
            ["nodes"] = nodes,
            ["edges"] = new H5Dataset(edges, fileDims: [(ulong)graph.Edges.Length, 2]),
            ["input_type"] = Group(Types(graph, "Input")),
            ["output_type"] = Group(Types(graph, "Output")),
        };
        if (!graph.Metadata.IsEmpty) root["metadata"] = Group(graph.Metadata);
        var file = new H5File { ["version"] = NirGraph.Version, ["node"] = root };
        using var stream = new MemoryStream();
        file.Write(stream);
        AtomicFile.WriteAllBytes(path, stream.ToArray());
    }

    private static ImmutableSortedDictionary<string, NirValue> Types(NirGraph graph, string type) =>
        graph.Nodes.Where(n => n.Node.Type == type).ToImmutableSortedDictionary(n => n.Name,
            n => (NirValue)NirInts.Vector([.. type == "Input" ? n.Node.InputShape : n.Node.OutputShape]));

    private static H5Group Group(ImmutableSortedDictionary<string, NirValue> fields)
    {
        var g = new H5Group();
        foreach (var (key, value) in fields) g[key] = Object(value);
        return g;
    }

    private static object Object(NirValue value) => value switch
    {
        NirText t => t.Value,
        NirFields f => Group(f.Fields),
        NirInts i => i.Shape.IsEmpty ? i.Values[0] : new H5Dataset(i.Values, fileDims: Dims(i.Shape)),
        NirFloats f when f.Float64 => f.Shape.IsEmpty ? f.Values[0] : new H5Dataset(f.Values, fileDims: Dims(f.Shape)),
        NirFloats f => f.Shape.IsEmpty ? (float)f.Values[0] : new H5Dataset(f.Values.Select(v => (float)v).ToArray(), fileDims: Dims(f.Shape)),
        _ => throw new ArgumentException($"unknown NIR value {value.GetType().Name}"),
    };

    private static ulong[] Dims(ImmutableArray<long> shape) => [.. shape.Select(d => (ulong)d)];

    /// <summary>
    /// Reads a NIR file; throws <see cref="ModelFormatException"/> (one line, naming the file and the object) when it is
    /// not HDF5, not a NIR graph, or holds a field of a type this reader does not know.
    /// </summary>
    public static NirGraph Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"NIR file '{path}' does not exist");
        NativeFile file;
        try { file = H5File.OpenRead(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ModelFormatException($"'{path}' is not an HDF5 file (NIR files are HDF5): {OneLine(e.Message)}", e);
        }
        using (file)
        {
            try
            {
                if (!file.LinkExists("node")) throw new ModelFormatException($"'{path}' has no group /node: not a NIR file");
                var root = ReadFields(file.Group("node"), "/node");
                if (!root.TryGetValue("type", out var type) || type is not NirText { Value: "NIRGraph" })
                    throw new ModelFormatException($"'{path}': /node/type must be \"NIRGraph\"");
                if (!root.TryGetValue("nodes", out var nodesValue) || nodesValue is not NirFields nodes)
                    throw new ModelFormatException($"'{path}': /node/nodes is missing");
                var list = ImmutableArray.CreateBuilder<(string, NirNode)>();
                foreach (var (name, value) in nodes.Fields)
                {
                    if (value is not NirFields f || !f.Fields.TryGetValue("type", out var t) || t is not NirText nodeType)
                        throw new ModelFormatException($"'{path}': node '{Safe(name)}' has no string field 'type'");
                    list.Add((name, new NirNode(nodeType.Value, f.Fields.Remove("type"))));
                }
                var edges = ImmutableArray.CreateBuilder<NirEdge>();
                if (root.TryGetValue("edges", out var e) && e is NirEdgeList el) edges.AddRange(el.Edges);
                else if (root.ContainsKey("edges")) throw new ModelFormatException($"'{path}': /node/edges must be an [E, 2] string array");
                var metadata = root.TryGetValue("metadata", out var m) && m is NirFields mf ? mf.Fields : ImmutableSortedDictionary<string, NirValue>.Empty;
                return new NirGraph(list.ToImmutable(), edges.ToImmutable(), metadata);
            }
            catch (Exception ex) when (ex is not ModelFormatException and not OutOfMemoryException)
            {
                throw new ModelFormatException($"'{path}': unreadable NIR content: {OneLine(ex.Message)}", ex);
            }
        }
    }

    /// <summary>The edge list while reading (never part of a node).</summary>
    private sealed record NirEdgeList(ImmutableArray<NirEdge> Edges) : NirValue;

    private static ImmutableSortedDictionary<string, NirValue> ReadFields(IH5Group group, string at)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, NirValue>(StringComparer.Ordinal);
        foreach (var child in group.Children())
        {
            string where = $"{at}/{Safe(child.Name)}";
            b[child.Name] = child switch
            {
                IH5Group g => new NirFields(ReadFields(g, where)),
                IH5Dataset d when at == "/node" && child.Name == "edges" => ReadEdges(d, where),
                IH5Dataset d => ReadDataset(d, where),
                _ => throw new ModelFormatException($"{where}: neither a group nor a dataset"),
            };
        }
        return b.ToImmutable();
    }

    private static NirValue ReadEdges(IH5Dataset d, string where)
    {
        var dims = d.Space.Dimensions;
        if (dims.Length == 0 || !IsString(d) || (dims[0] > 0 && (dims.Length != 2 || dims[1] != 2)))
            throw new ModelFormatException($"{where}: edges must be an [E, 2] string array");
        if (dims[0] > (ulong)MaxElements) throw new ModelFormatException($"{where}: {dims[0]} edges is more than {MaxElements}");
        var flat = d.Read<string[]>();
        var edges = ImmutableArray.CreateBuilder<NirEdge>();
        for (int i = 0; i + 1 < flat.Length; i += 2) edges.Add(new NirEdge(flat[i], flat[i + 1]));
        return new NirEdgeList(edges.ToImmutable());
    }

    private static NirValue ReadDataset(IH5Dataset d, string where)
    {
        var dims = d.Space.Dimensions;
        long n = 1;
        foreach (var x in dims) n = x > (ulong)MaxElements || n * (long)x > MaxElements ? throw new ModelFormatException($"{where}: more than {MaxElements} elements") : n * (long)x;
        ImmutableArray<long> shape = [.. dims.Select(x => (long)x)];
        bool scalar = dims.Length == 0;
        switch (d.Type.Class)
        {
            case H5DataTypeClass.String or H5DataTypeClass.VariableLength when IsString(d):
                if (!scalar) throw new ModelFormatException($"{where}: a string array where a string was expected");
                return new NirText(d.Read<string>());
            case H5DataTypeClass.FloatingPoint:
                bool f64 = d.Type.Size == 8;
                if (!f64 && d.Type.Size != 4) throw new ModelFormatException($"{where}: {d.Type.Size * 8}-bit floats are not supported (float32, float64)");
                double[] values = f64 ? (scalar ? [d.Read<double>()] : d.Read<double[]>()) : (scalar ? [d.Read<float>()] : [.. d.Read<float[]>().Select(v => (double)v)]);
                return new NirFloats(shape, values, f64);
            case H5DataTypeClass.FixedPoint:
                long[] ints = scalar ? [d.Read<long>()] : d.Read<long[]>();
                return new NirInts(shape, ints);
            default:
                throw new ModelFormatException($"{where}: HDF5 type class {d.Type.Class} is not a NIR field type (string, float, integer)");
        }
    }

    /// <summary>Fixed-length or variable-length (h5py's string_dtype) strings.</summary>
    private static bool IsString(IH5Dataset d) => d.Type.Class == H5DataTypeClass.String
        || d.Type.Class == H5DataTypeClass.VariableLength && d.Type.VariableLength.BaseType.Class == H5DataTypeClass.FixedPoint && d.Type.Size > 0 && IsVlenString(d);

    private static bool IsVlenString(IH5Dataset d)
    {
        try { return d.Type.VariableLength.BaseType.Size == 1; }
        catch (Exception e) when (e is not OutOfMemoryException) { return false; }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    /// <summary>A name from a file as printable ASCII (never raw bytes in a message).</summary>
    internal static string Safe(string name) =>
        name.Length <= 80 && name.All(c => c >= 0x20 && c < 0x7f) ? name : $"<{name.Length}-character name with non-printable characters>";
}
