using CsCheck;
using MtSnn.Export;
using MtSnn.Runtime;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Tests.Export;

/// <summary>Fan-out maps against hand-counted synapses and against the dense MAC count of the same layer.</summary>
public class FanOutTests
{
    [Fact]
    public void Padded_3x3_conv_gives_corners_4_edges_6_interior_9_taps()
    {
        // 4x4 input, kernel 3, stride 1, padding 1 -> 4x4 output, 5 output channels.
        var conv = new Conv2dSpec(2, 5, 3, 1, 1, "w", null);
        var fan = FanOut.Conv(conv, new Shape3(2, 4, 4), new Shape3(5, 4, 4));
        // A corner pixel is read by the 2x2 outputs around it, an edge pixel by 2x3, an interior one by 3x3.
        Assert.Equal(5 * 4, fan[0]);
        Assert.Equal(5 * 6, fan[1]);
        Assert.Equal(5 * 9, fan[5]);
        Assert.Equal(5 * 4, fan[16 + 15]); // channel 1, corner (3, 3)
    }

    [Fact]
    public void Strided_conv_taps_alternate()
    {
        // 1-D: 5 inputs, kernel 3, stride 2, padding 1 -> outputs 0..2 read inputs {-1,0,1}, {1,2,3}, {3,4,5}.
        int[] expected = [1, 2, 1, 2, 1];
        for (int y = 0; y < 5; y++) Assert.Equal(expected[y], FanOut.Taps(y, 3, 2, 1, 3));
        // No padding, kernel 2, stride 3 on 7 inputs -> 2 outputs read {0,1}, {3,4}: inputs 2, 5, 6 are skipped.
        int[] skipped = [1, 1, 0, 1, 1, 0, 0];
        for (int y = 0; y < 7; y++) Assert.Equal(skipped[y], FanOut.Taps(y, 2, 3, 0, 2));
    }

    [Fact]
    public void Folded_avg_pool_gives_floor_cut_inputs_no_synapse()
    {
        // 1 x 5 x 5 pooled by 2 -> 2 x 2; row 4 and column 4 fall outside every window.
        int[] pooled = [10, 20, 30, 40];
        var fan = FanOut.ThroughAvgPool(pooled, new Shape3(1, 5, 5), 2);
        Assert.Equal(10, fan[0]);
        Assert.Equal(10, fan[1 * 5 + 1]);
        Assert.Equal(20, fan[0 * 5 + 3]);
        Assert.Equal(40, fan[3 * 5 + 3]);
        Assert.Equal(0, fan[4 * 5 + 0]);
        Assert.Equal(0, fan[0 * 5 + 4]);
    }

    [Fact]
    public void Sum_of_fan_out_equals_the_dense_macs_of_the_layer()
    {
        // Every synapse is one (input, output, tap) triple, so sum_i fan_out(i) = MACs of one dense evaluation.
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[1, 3], Gen.Int[3, 9], Gen.Int[3, 9])
            .Where(t => t.Item5 >= t.Item3 && t.Item6 >= t.Item3)
            .Sample(t =>
            {
                var (cin, cout, k, s, h, w) = t;
                int p = (k - 1) / 2;
                var conv = new Conv2dSpec(cin, cout, k, s, p, "w", null);
                var graph = new ModelGraph { InputShape = new Shape3(cin, h, w), NumClasses = cout * ((h + 2 * p - k) / s + 1) * ((w + 2 * p - k) / s + 1), Layers = [conv with { Input = -1 }, new FlattenSpec { Input = 0 }, new OutputSpec { Input = 1 }] };
                var model = MtSnnModel.Load(MtSnnModelWriter.ToBytes(graph, [new TensorF32("w", [cout, cin, k, k], new float[cout * cin * k * k])]));
                var fan = FanOut.Conv(conv, graph.InputShape, model.Shapes[0]);
                Assert.Equal(model.LayerMacs(0), fan.Sum(f => (long)f));
            }, iter: 200);
    }
}
