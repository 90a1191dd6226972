using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>
/// One neuron driven by a current sequence x[0..T-1], with everything a person wants to look at per step:
/// the pre-fire potential H, each level's spike S_k, the graded output O = sum_k lambda_k S_k and the membrane
/// V after reset. Computed by the reference <see cref="MultiThresholdNode"/> in float64.
/// </summary>
public sealed record PlaygroundTrace(NeuronOptions Options, double[] X, double[] H, double[][] S, double[] O, double[] V)
{
    /// <summary>Number of time steps T.</summary>
    public int Steps => X.Length;

    /// <summary>Runs the reference neuron (multi-step, batch 1, float64) over <paramref name="x"/>.</summary>
    public static PlaygroundTrace Run(NeuronOptions options, IReadOnlyList<double> x)
    {
        if (x.Count == 0) throw new ArgumentException("the input has no time steps (need at least one current value)");
        using var scope = torch.NewDisposeScope();
        var o = options with { StepMode = StepMode.Multi, StoreMembrane = true };
        using var node = new MultiThresholdNode(o) { RecordSpikes = true };
        node.to(float64);
        using var _ = torch.no_grad();
        var input = torch.tensor(x.ToArray(), float64).reshape(x.Count, 1);
        var output = node.forward(input);
        int k = o.Levels;
        double[] Col(Tensor t) => t.reshape(x.Count).to_type(float64).data<double>().ToArray();
        var spikes = node.LastSpikes!.reshape(x.Count, k).to_type(float64);
        var s = Enumerable.Range(0, k).Select(level => Col(spikes[.., level])).ToArray();
        return new PlaygroundTrace(o, [.. x], Col(node.LastH!), s, Col(output), Col(node.LastV!));
    }
}
