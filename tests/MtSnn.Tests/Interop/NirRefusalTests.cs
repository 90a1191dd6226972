using System.Collections.Immutable;
using MtSnn.Interop.Nir;
using MtSnn.Runtime.Format;
using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Interop;

/// <summary>Every refusal of the NIR export and import is one line naming the node or layer and the option.</summary>
public class NirRefusalTests
{
    private static readonly ImmutableSortedDictionary<string, NirValue> NoFields = ImmutableSortedDictionary.Create<string, NirValue>(StringComparer.Ordinal);

    private static NirNode Node(string type, params (string Key, NirValue Value)[] fields)
    {
        var f = NoFields;
        foreach (var (k, v) in fields) f = f.Add(k, v);
        return new NirNode(type, f);
    }

    private static NirFields Shape(string key, params long[] shape) => new(NoFields.Add(key, NirInts.Vector(shape)));

    private static NirGraph Graph(NirNode middle, params NirEdge[] extra)
    {
        var input = Node("Input", ("input_type", Shape("input", 4)), ("output_type", Shape("output", 4)));
        var output = Node("Output", ("input_type", Shape("input", 4)), ("output_type", Shape("output", 4)));
        return new NirGraph([("input", input), ("mid", middle), ("output", output)],
            [new("input", "mid"), new("mid", "output"), .. extra], NoFields.Add(NirExporter.TimeStepsKey, NirInts.Scalar(2)));
    }

    [Fact]
    public void Unsupported_node_type_is_named()
    {
        var cuba = Node("CubaLIF", ("tau_mem", NirFloats.Fill64([4], 2)), ("tau_syn", NirFloats.Fill64([4], 2)));
        var e = Assert.Throws<ModelFormatException>(() => NirImporter.Import(Graph(cuba), "'x.nir'"));
        Assert.Contains("node 'mid' (CubaLIF)", e.Message);
        Assert.Contains("not supported", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Recurrent_edge_outside_a_neuron_is_refused()
    {
        var w = NirFloats.F32([4, 4], new double[16]);
        var affine = Node("Affine", ("weight", w), ("bias", NirFloats.F32([4], new double[4])));
        var e = Assert.Throws<ModelFormatException>(() => NirImporter.Import(Graph(affine, new NirEdge("mid", "mid")), "'x.nir'"));
        Assert.Contains("node 'mid' (Affine)", e.Message);
        Assert.Contains("recurrent", e.Message);
    }

    [Fact]
    public void Per_neuron_varying_threshold_is_refused()
    {
        var lif = Node("IF", ("r", NirFloats.Fill64([4], 1)), ("v_threshold", new NirFloats([4], [1, 1, 0.5, 1], true)), ("v_reset", NirFloats.Fill64([4], 0)));
        var e = Assert.Throws<ModelFormatException>(() => NirImporter.Import(Graph(lif), "'x.nir'"));
        Assert.Contains("'v_threshold' differs between neurons", e.Message);
    }

    [Fact]
    public void Multi_threshold_hard_reset_export_is_refused_naming_the_option()
    {
        var model = NirRoundTripTests.Trained("digits-cnn", "single-if-hard", 1);
        var neuronAt = model.Graph.Layers.IndexOf(model.Graph.Layers.First(l => l is MtSnn.Runtime.Graph.NeuronLayerSpec));
        var n = (MtSnn.Runtime.Graph.NeuronLayerSpec)model.Graph.Layers[neuronAt];
        var hard = n with { Neuron = MtSnn.Runtime.Graph.NeuronSpec.Preset("pow2", MtSnn.Neurons.FiringMode.Cascade, 4) with { Reset = MtSnn.Neurons.ResetMode.Hard } };
        var bad = model with { Graph = model.Graph with { Layers = model.Graph.Layers.SetItem(neuronAt, hard) } };
        var e = Assert.Throws<NotSupportedException>(() => NirExporter.Export(bad));
        Assert.Contains($"layer {neuronAt} (neuron)", e.Message);
        Assert.Contains("reset 'hard' with K = 4", e.Message);
    }

    [Fact]
    public void Max_pooling_of_spikes_whose_level_sums_are_not_float32_numbers_is_refused()
    {
        var model = NirRoundTripTests.Trained("plif-net", "parallel-lif-no-decay-input-3", 1);   // weights 1/3
        var e = Assert.Throws<NotSupportedException>(() => NirExporter.Export(model));
        Assert.Contains("(maxpool2d): max pooling needs level weights whose sums are float32 numbers", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Cli_import_of_a_file_that_is_not_hdf5_is_one_line_exit_2_and_writes_nothing()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["bad.nir"], "not hdf5 at all");
        var r = CliRunner.Run("import", dir["bad.nir"], "-o", dir["out.mtsnn"]);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("mtsnn: error: ", line);
        Assert.Contains("is not an HDF5 file", line);
        Assert.False(File.Exists(dir["out.mtsnn"]));
    }

    [Fact]
    public void Cli_import_round_trip_writes_a_model_the_engine_loads()
    {
        using var dir = new TempDir();
        NirExporter.Write(NirRoundTripTests.Trained("digits-cnn", "cascade-lif-pow2-4", 2), dir["m.nir"]);
        var r = CliRunner.Run("import", dir["m.nir"], "-o", dir["m.mtsnn"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var model = MtSnn.Runtime.MtSnnModel.Load(dir["m.mtsnn"]);
        Assert.Equal(2, model.Graph.TimeSteps);
        Assert.Contains("3 neuron layers", r.StdOut);
    }
}
