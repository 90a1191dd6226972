using MtSnn.Neurons;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Neurons;

/// <summary>Small conversions between double arrays and tensors for the neuron tests.</summary>
internal static class NeuronTestTensors
{
    /// <summary>A one-neuron sequence <c>[T, 1]</c> in float64.</summary>
    public static Tensor Sequence(params double[] x) => tensor(x, dtype: float64).reshape(x.Length, 1);

    /// <summary>All elements, flattened, as doubles.</summary>
    public static double[] Values(Tensor t) => t.detach().to(float64).cpu().contiguous().data<double>().ToArray();

    /// <summary>Asserts elementwise closeness with a message naming the index.</summary>
    public static void Close(double[] expected, Tensor actual, double tolerance = 1e-12, string what = "")
    {
        var got = Values(actual);
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]}, got {got[i]}");
    }

    /// <summary>A node fed a <c>[T, 1]</c> float64 sequence, recording spikes and membranes.</summary>
    public static (MultiThresholdNode Node, Tensor O) Run(NeuronOptions options, params double[] x)
    {
        var node = new MultiThresholdNode(options with { StoreMembrane = true }) { RecordSpikes = true };
        return (node, node.forward(Sequence(x)));
    }
}
