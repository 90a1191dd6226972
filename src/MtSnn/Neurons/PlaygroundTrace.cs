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

    /// <summary>Runs the reference neuron (multi-step, batch 1, float64) over <paramref name="x"/> from the initial membrane.</summary>
    public static PlaygroundTrace Run(NeuronOptions options, IReadOnlyList<double> x)
    {
        using var neuron = new PlaygroundNeuron(options);
        return neuron.Run(x);
    }

    /// <summary>The first <paramref name="steps"/> steps.</summary>
    public PlaygroundTrace Take(int steps) => steps >= Steps ? this
        : this with { X = X[..steps], H = H[..steps], S = [.. S.Select(s => s[..steps])], O = O[..steps], V = V[..steps] };

    /// <summary>Traces of consecutive chunks joined into one.</summary>
    public static PlaygroundTrace Concat(IReadOnlyList<PlaygroundTrace> parts) => parts.Count == 1 ? parts[0]
        : parts[0] with
        {
            X = [.. parts.SelectMany(p => p.X)], H = [.. parts.SelectMany(p => p.H)], O = [.. parts.SelectMany(p => p.O)], V = [.. parts.SelectMany(p => p.V)],
            S = [.. Enumerable.Range(0, parts[0].S.Length).Select(k => parts.SelectMany(p => p.S[k]).ToArray())],
        };
}

/// <summary>
/// The playground's neuron as a stream: each <see cref="Run"/> call continues from the membrane the previous call left,
/// so running a sequence chunk by chunk gives the same trace as running it at once, in memory bounded by the chunk.
/// </summary>
public sealed class PlaygroundNeuron : IDisposable
{
    private readonly MultiThresholdNode _node;

    public PlaygroundNeuron(NeuronOptions options)
    {
        Options = options with { StepMode = StepMode.Multi, StoreMembrane = true };
        _node = new MultiThresholdNode(Options) { RecordSpikes = true };
        _node.to(float64);
    }

    /// <summary>The options the neuron runs with (multi-step, membrane stored).</summary>
    public NeuronOptions Options { get; }

    /// <summary>Runs the next <c>x.Count</c> steps (batch 1, float64) and returns their trace.</summary>
    public PlaygroundTrace Run(IReadOnlyList<double> x)
    {
        if (x.Count == 0) throw new ArgumentException("the input has no time steps (need at least one current value)");
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var input = torch.tensor(x.ToArray(), float64).reshape(x.Count, 1);
        var output = _node.forward(input);
        int k = Options.Levels;
        double[] Col(Tensor t) => t.reshape(x.Count).to_type(float64).data<double>().ToArray();
        var spikes = _node.LastSpikes!.reshape(x.Count, k).to_type(float64);
        var s = Enumerable.Range(0, k).Select(level => Col(spikes[.., level])).ToArray();
        return new PlaygroundTrace(Options, [.. x], Col(_node.LastH!), s, Col(output), Col(_node.LastV!));
    }

    public void Dispose() => _node.Dispose();
}
