using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>
/// One neuron driven by a current sequence x[0..T-1], with everything a person wants to look at per step:
/// the pre-fire potential H, each level's spike S_k, the graded output O = sum_k lambda_k S_k and the membrane
/// V after reset. <see cref="Run"/> computes it with the reference <see cref="MultiThresholdNode"/> in float64;
/// <see cref="PlaygroundNeuron"/> streams the same trace.
/// </summary>
public sealed record PlaygroundTrace(NeuronOptions Options, double[] X, double[] H, double[][] S, double[] O, double[] V)
{
    /// <summary>Number of time steps T.</summary>
    public int Steps => X.Length;

    /// <summary>
    /// Runs the reference neuron module (<see cref="MultiThresholdNode"/> on the reference backend, multi-step, batch 1,
    /// float64) over all of <paramref name="x"/> in one call from the initial membrane: the oracle of <see cref="PlaygroundNeuron"/>.
    /// </summary>
    public static PlaygroundTrace Run(NeuronOptions options, IReadOnlyList<double> x)
    {
        if (x.Count == 0) throw new ArgumentException("the input has no time steps (need at least one current value)");
        using var scope = torch.NewDisposeScope();
        var o = options with { StepMode = StepMode.Multi, StoreMembrane = true };
        using var node = new MultiThresholdNode(o) { RecordSpikes = true, Backend = MtSnn.Kernels.NeuronBackend.Reference };
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
/// <para>
/// Batch 1, float64, forward only: the reference's equations (<see cref="ReferenceNeuron"/>: Charge, Fire, Output,
/// Reset) evaluated on doubles in the same operation order, so the trace is bit-identical to the reference module's
/// (tested against <see cref="PlaygroundTrace.Run"/> over every dynamics x mode x reset x detach); the reference's
/// per-step tensor operations cost about 100x more per step. The trainable <c>a</c> (PLIF) and <c>V_th</c> are the
/// initial values of a <see cref="MultiThresholdNode"/>'s parameters (float32, as every parameter is made), read
/// from one, so the two agree there too.
/// </para>
/// </summary>
public sealed class PlaygroundNeuron : IDisposable
{
    private readonly double _vth, _invTau;
    private readonly double[] _scales, _weights;
    private double _v;

    public PlaygroundNeuron(NeuronOptions options)
    {
        Options = (options with { StepMode = StepMode.Multi, StoreMembrane = true }).Validate();
        using (var node = new MultiThresholdNode(Options))
        {
            node.to(float64);
            _vth = node.VThresholdParam is { } p ? p.to_type(float64).item<double>() : Options.VThreshold;
            using var _ = torch.no_grad();
            using var invTau = node.PlifA?.sigmoid();
            _invTau = invTau is null ? double.NaN : invTau.to_type(float64).item<double>();
        }
        _scales = [.. Options.ThresholdScales];
        _weights = [.. Options.LevelWeights];
        _v = Options.EffectiveVInit;
    }

    /// <summary>The options the neuron runs with (multi-step, membrane stored).</summary>
    public NeuronOptions Options { get; }

    /// <summary>Runs the next <c>x.Count</c> steps and returns their trace.</summary>
    public PlaygroundTrace Run(IReadOnlyList<double> x)
    {
        if (x.Count == 0) throw new ArgumentException("the input has no time steps (need at least one current value)");
        int n = x.Count, k = _scales.Length;
        var o = Options;
        double[] hs = new double[n], os = new double[n], vs = new double[n];
        var s = new double[k][];
        for (int level = 0; level < k; level++) s[level] = new double[n];
        double vr = o.VReset;
        for (int t = 0; t < n; t++)
        {
            double xt = x[t], v = _v;
            double h = o.Dynamics switch   // ReferenceNeuron.Charge
            {
                Dynamics.IF => v + xt,
                Dynamics.LIF => o.DecayInput ? v + (xt - (v - vr)) / o.Tau : v - (v - vr) / o.Tau + xt,
                Dynamics.PLIF => o.DecayInput ? v + (xt - (v - vr)) * _invTau : v - (v - vr) * _invTau + xt,
                _ => throw UnknownOption.Of(o.Dynamics, "dynamics"),
            };
            // ReferenceNeuron.Fire: S = Step(u) = 1 if u >= 0
            bool cascade = o.Mode switch
            {
                FiringMode.Single or FiringMode.Parallel => false,
                FiringMode.Cascade => true,
                _ => throw UnknownOption.Of(o.Mode, "firing mode"),
            };
            if (cascade)
            {
                double residual = h;
                for (int level = 0; level < k; level++)
                {
                    double spike = residual - _vth * _scales[level] >= 0 ? 1 : 0;
                    s[level][t] = spike;
                    if (level + 1 < k) residual = residual - _vth * _weights[level] * spike;
                }
            }
            else
                for (int level = 0; level < k; level++) s[level][t] = h - _vth * _scales[level] >= 0 ? 1 : 0;
            double output = s[0][t] * _weights[0];   // ReferenceNeuron.Output
            for (int level = 1; level < k; level++) output = output + s[level][t] * _weights[level];
            double next;
            bool soft = o.EffectiveReset switch
            {
                ResetMode.Soft => true,
                ResetMode.Hard => false,
                _ => throw UnknownOption.Of(o.EffectiveReset, "reset"),
            };
            if (soft) next = h - _vth * output;   // ReferenceNeuron.ResetSoft
            else
            {
                double any;   // ReferenceNeuron.AnySpike
                if (!cascade) any = s[k - 1][t];
                else
                {
                    double none = 1 - s[0][t];
                    for (int level = 1; level < k; level++) none = none * (1 - s[level][t]);
                    any = 1 - none;
                }
                next = h * (1 - any) + any * vr;   // ReferenceNeuron.ResetHard
            }
            hs[t] = h;
            os[t] = output;
            vs[t] = next;
            _v = next;
        }
        return new PlaygroundTrace(o, [.. x], hs, s, os, vs);
    }

    public void Dispose() { }
}
