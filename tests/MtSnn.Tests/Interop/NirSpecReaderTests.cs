using MtSnn.Interop.Nir;
using MtSnn.Tests.TestSupport;
using PureHDF;
using Xunit;

namespace MtSnn.Tests.Interop;

/// <summary>
/// An independent reader of the exported file (PureHDF's reader, not <see cref="NirFile"/>): the HDF5 layout of the NIR
/// reference implementation (<c>/version</c>; <c>/node</c> with <c>type = NIRGraph</c>, <c>nodes/</c>, <c>edges [E, 2]</c>),
/// every node's type among the NIR primitives with the fields the NIR specification defines for it and their shapes,
/// <c>input_type</c>/<c>output_type</c> on every node, and every edge joining an output to an input of the same shape.
/// The field lists are the specification's (nir/ir: Conv2d, Affine, LI, LIF, ...), written here independently.
/// </summary>
public class NirSpecReaderTests
{
    /// <summary>Fields of each NIR primitive (besides type, input_type, output_type, metadata), from the NIR spec.</summary>
    private static readonly Dictionary<string, string[]> SpecFields = new()
    {
        ["Input"] = [], ["Output"] = [],
        ["Conv2d"] = ["weight", "bias", "stride", "padding", "dilation", "groups"],
        ["Affine"] = ["weight", "bias"], ["Linear"] = ["weight"],
        ["AvgPool2d"] = ["kernel_size", "stride", "padding"],
        ["Flatten"] = ["start_dim", "end_dim"],
        ["I"] = ["r"], ["LI"] = ["tau", "r", "v_leak"],
        ["IF"] = ["r", "v_threshold", "v_reset"], ["LIF"] = ["tau", "r", "v_leak", "v_threshold", "v_reset"],
        ["Threshold"] = ["threshold"], ["Scale"] = ["scale"],
    };

    private static readonly HashSet<string> PerNeuron = ["r", "tau", "v_leak", "v_threshold", "v_reset", "threshold", "scale"];

    [Theory]
    [InlineData("cascade-lif-pow2-4")]
    [InlineData("single-if-hard")]
    [InlineData("parallel-lif-no-decay-input-3")]
    public void File_follows_the_NIR_layout_and_node_definitions(string neuron)
    {
        using var dir = new TempDir();
        NirExporter.Write(NirRoundTripTests.Trained("digits-cnn", neuron, 2), dir["m.nir"]);
        using var file = H5File.OpenRead(dir["m.nir"]);
        Assert.Matches(@"^\d+\.\d+\.\d+$", file.Dataset("version").Read<string>());
        var root = file.Group("node");
        Assert.Equal("NIRGraph", root.Dataset("type").Read<string>());
        var edgeSet = root.Dataset("edges");
        Assert.Equal(2UL, edgeSet.Space.Dimensions[1]);
        var flat = edgeSet.Read<string[]>();
        var nodes = root.Group("nodes");
        var outShape = new Dictionary<string, long[]>();
        var inShape = new Dictionary<string, long[]>();
        var types = new Dictionary<string, string>();
        foreach (var child in nodes.Children())
        {
            var g = Assert.IsAssignableFrom<IH5Group>(child);
            string type = g.Dataset("type").Read<string>();
            Assert.True(SpecFields.ContainsKey(type), $"node {child.Name}: '{type}' is not a NIR primitive written by the exporter");
            types[child.Name] = type;
            inShape[child.Name] = g.Group("input_type").Dataset("input").Read<long[]>();
            outShape[child.Name] = g.Group("output_type").Dataset("output").Read<long[]>();
            foreach (var field in SpecFields[type])
            {
                Assert.True(g.LinkExists(field), $"node {child.Name} ({type}) lacks the spec field '{field}'");
                var dims = g.Dataset(field).Space.Dimensions.Select(d => (long)d).ToArray();
                if (PerNeuron.Contains(field)) Assert.Equal(outShape[child.Name], dims);
            }
            if (type == "Conv2d")
            {
                var w = g.Dataset("weight").Space.Dimensions;
                Assert.Equal(4, w.Length);
                Assert.Equal(w[0], (ulong)outShape[child.Name][0]);
                Assert.Equal(w[1], (ulong)inShape[child.Name][0]);
                Assert.Equal([(long)w[0]], g.Dataset("bias").Space.Dimensions.Select(d => (long)d));
                Assert.Equal(2, g.Dataset("stride").Read<long[]>().Length);
            }
            if (type is "Affine" or "Linear")
            {
                var w = g.Dataset("weight").Space.Dimensions;
                Assert.Equal([outShape[child.Name][0], inShape[child.Name][0]], w.Select(d => (long)d));
            }
        }
        Assert.Single(types.Values, "Input");
        Assert.Single(types.Values, "Output");
        Assert.Equal([1L, 8, 8], inShape[types.Single(t => t.Value == "Input").Key]);
        Assert.Equal([10L], inShape[types.Single(t => t.Value == "Output").Key]);
        for (int i = 0; i < flat.Length; i += 2)
        {
            Assert.True(types.ContainsKey(flat[i]) && types.ContainsKey(flat[i + 1]), $"edge {flat[i]} -> {flat[i + 1]} names a missing node");
            Assert.Equal(outShape[flat[i]], inShape[flat[i + 1]]);
        }
        bool native = neuron.Contains("hard");
        Assert.Equal(native, types.ContainsValue("IF"));
        Assert.Equal(!native, types.ContainsValue("Threshold"));
    }
}
