using MtSnn.Neurons;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>The optional layer <c>name</c> (a module path) survives a write and a load; anything else is refused in one line.</summary>
public sealed class LayerNameTests
{
    private static (ModelGraph Graph, List<TensorF32> Tensors) Named(Func<int, string?> name)
    {
        var b = new NetBuilder(new Shape3(1, 4, 4), 2, 3);
        b.Conv(2, 3); b.Neuron(NetBuilder.Neuron("pow2", FiringMode.Cascade, 2)); b.Flatten(); b.Linear(3);
        var (g, t) = b.Build();
        return (g with { Layers = [.. g.Layers.Select((l, i) => l with { Name = name(i) })] }, t);
    }

    [Fact]
    public void Names_round_trip_and_reports_fall_back_to_the_index()
    {
        string?[] names = ["features.0.module.conv", "features.1", null, "classifier-2_x", null];
        var (g, t) = Named(i => i < names.Length ? names[i] : null);
        var m = MtSnnModel.Load(MtSnnModelWriter.ToBytes(g, t));
        for (int i = 0; i < m.Graph.Layers.Length; i++)
        {
            Assert.Equal(i < names.Length ? names[i] : null, m.Graph.Layers[i].Name);
            Assert.Equal(i < names.Length && names[i] is { } n ? n : $"layer {i}", m.LayerName(i));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("features 1")]
    [InlineData("\u001b[2Jevil")]
    [InlineData("é")]
    public void A_name_that_is_not_a_module_path_is_refused(string bad)
    {
        var (g, t) = Named(i => i == 1 ? bad : null);
        var e = Assert.Throws<ModelFormatException>(() => MtSnnModel.Load(MtSnnModelWriter.ToBytes(g, t, validate: false)));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("layer 1 (neuron): 'name' must be 1 to 200 ASCII letters, digits, '_', '.' or '-'", e.Message);
        Assert.False(e.Message.Contains('\u001b'), "no raw control bytes from the file in the message");
    }
}
