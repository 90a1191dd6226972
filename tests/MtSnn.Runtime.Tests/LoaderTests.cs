using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MtSnn.Neurons;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>The loader rejects every listed defect with one clear line, and round-trips valid models.</summary>
public sealed class LoaderTests
{
    private static (ModelGraph Graph, List<TensorF32> Tensors) Valid()
    {
        var b = new NetBuilder(new Shape3(1, 4, 4), 2, 3);
        b.Conv(2, 3); b.Neuron(NetBuilder.Neuron("pow2", FiringMode.Cascade, 2)); b.Flatten(); b.Linear(3);
        return b.Build();
    }

    private static string Fails(byte[] bytes)
    {
        var e = Assert.Throws<ModelFormatException>(() => MtSnnModel.Load(bytes));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    /// <summary>Rewrites the header JSON and fixes its length field.</summary>
    private static byte[] EditHeader(byte[] file, Func<string, string> edit)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(file, 8, n)));
        var result = new byte[8 + header.Length + file.Length - 8 - n];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)header.Length);
        header.CopyTo(result, 8);
        file.AsSpan(8 + n).CopyTo(result.AsSpan(8 + header.Length));
        return result;
    }

    [Fact]
    public void Round_trip_keeps_graph_and_tensors()
    {
        var (g, t) = Valid();
        var path = Path.Combine(Path.GetTempPath(), $"rt-{Guid.NewGuid():N}.mtsnn");
        try
        {
            MtSnnModelWriter.Write(path, g, t);
            var m = MtSnnModel.Load(path);
            Assert.Equal(g.Layers.Length, m.Graph.Layers.Length);
            var (n0, n1) = (((NeuronLayerSpec)g.Layers[1]).Neuron, ((NeuronLayerSpec)m.Graph.Layers[1]).Neuron);
            Assert.Equal(n0.Thresholds.ToArray(), n1.Thresholds.ToArray());
            Assert.Equal(n0.Weights.ToArray(), n1.Weights.ToArray());
            Assert.Equal(n0 with { Thresholds = [], Weights = [] }, n1 with { Thresholds = [], Weights = [] });
            Assert.Equal(g.Layers[0], m.Graph.Layers[0]);
            Assert.Equal(t[0].Data.ToArray(), m.Tensors[t[0].Name].Data.ToArray());
            Assert.Equal(g.InputShape, m.Graph.InputShape);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Wrong_container_version() =>
        Assert.Contains("format_version", Fails(EditHeader(MtSnnModelWriter.ToBytes(Valid().Graph, Valid().Tensors), h => h.Replace("\"format_version\":\"1\"", "\"format_version\":\"2\""))));

    [Fact]
    public void Wrong_graph_version()
    {
        var (g, t) = Valid();
        Assert.Contains("format_version 7", Fails(MtSnnModelWriter.ToBytes(g with { FormatVersion = 7 }, t, validate: false)));
    }

    [Fact]
    public void Missing_tensor()
    {
        var (g, t) = Valid();
        Assert.Contains("is missing", Fails(MtSnnModelWriter.ToBytes(g, t.Skip(1).ToList(), validate: false)));
    }

    [Fact]
    public void Shape_mismatch()
    {
        var (g, t) = Valid();
        t[0] = new TensorF32(t[0].Name, [2, 1, 9], t[0].Data.ToArray());
        Assert.Contains("has shape [2, 1, 9]", Fails(MtSnnModelWriter.ToBytes(g, t, validate: false)));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "infinite")]
    public void Non_finite_weight(float bad, string word)
    {
        var (g, t) = Valid();
        var data = t[0].Data.ToArray();
        data[3] = bad;
        t[0] = new TensorF32(t[0].Name, t[0].Shape, data);
        Assert.Contains(word, Fails(MtSnnModelWriter.ToBytes(g, t, validate: false)));
    }

    [Fact]
    public void Truncated_file()
    {
        var bytes = MtSnnModelWriter.ToBytes(Valid().Graph, Valid().Tensors);
        Assert.Contains("truncated", Fails(bytes[..^4]));
        Assert.Contains("truncated", Fails(bytes[..5]));
    }

    [Fact]
    public void Header_length_beyond_file()
    {
        var bytes = MtSnnModelWriter.ToBytes(Valid().Graph, Valid().Tensors);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        Assert.Contains("exceeds the file", Fails(bytes));
    }

    [Fact]
    public void Overlapping_offsets()
    {
        var (g, t) = Valid();
        var bytes = MtSnnModelWriter.ToBytes(g, t);
        // point the second tensor at the first one's bytes (same length: the biases of 2 and ... use the first two tensors' sizes)
        var edited = EditHeader(bytes, h =>
        {
            using var doc = JsonDocument.Parse(h);
            var first = doc.RootElement.GetProperty(t[0].Name).GetProperty("data_offsets");
            long b0 = first[0].GetInt64();
            var bias = doc.RootElement.GetProperty(t[1].Name).GetProperty("data_offsets");
            long len = bias[1].GetInt64() - bias[0].GetInt64();
            return h.Replace($"\"data_offsets\":[{bias[0].GetInt64()},{bias[1].GetInt64()}]", $"\"data_offsets\":[{b0},{b0 + len}]");
        });
        Assert.Contains("overlap", Fails(edited));
    }

    [Fact]
    public void Out_of_range_offsets()
    {
        var (g, t) = Valid();
        var bytes = MtSnnModelWriter.ToBytes(g, t);
        var edited = EditHeader(bytes, h =>
        {
            using var doc = JsonDocument.Parse(h);
            var o = doc.RootElement.GetProperty(t[^1].Name).GetProperty("data_offsets");
            return h.Replace($"[{o[0].GetInt64()},{o[1].GetInt64()}]", $"[{o[0].GetInt64() + 1000},{o[1].GetInt64() + 1000}]");
        });
        Assert.Contains("run past the data section", Fails(edited));
    }

    [Fact]
    public void Unsupported_dtype()
    {
        var bytes = MtSnnModelWriter.ToBytes(Valid().Graph, Valid().Tensors);
        var msg = Fails(EditHeader(bytes, h => h.Replace("\"dtype\":\"F32\"", "\"dtype\":\"F16\"")));
        Assert.Contains("unsupported dtype 'F16'", msg);
        Assert.Contains("supported: F32", msg);
    }

    [Fact]
    public void Invalid_neuron_is_rejected_by_name()
    {
        var (g, t) = Valid();
        var bad = g with { Layers = g.Layers.SetItem(1, new NeuronLayerSpec(new NeuronSpec { Thresholds = [0.5, 1.0], Weights = [1, 0.5], Mode = FiringMode.Cascade }) { Input = 0 }) };
        Assert.Contains("strictly descending", Fails(MtSnnModelWriter.ToBytes(bad, t, validate: false)));
    }

    [Fact]
    public void Writer_refuses_invalid_models() =>
        Assert.Throws<ModelFormatException>(() => MtSnnModelWriter.ToBytes(Valid().Graph with { TimeSteps = 0 }, Valid().Tensors));
}
