using MtSnn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Benchmarking;

/// <summary>
/// The neuron of MT-SNN.md §2 composed from TorchSharp ops, one op per equation term, differentiated by TorchSharp
/// autograd: the stand-in reference for benchmarks and tests until the module neuron is merged. Same definitions
/// as the kernels: hard reset <c>V = H (1 - S_any) + V_reset S_any</c>, <c>S_any = S_K</c> (single, parallel) or
/// <c>1 - prod_k (1 - S_k)</c> (cascade); detach_reset detaches <c>V_th O</c> (soft) or <c>S_any</c> (hard).
/// </summary>
public static class ComposedNeuron
{
    /// <summary>Runs <c>x [T, ...]</c> from <c>v0</c>; returns <c>(O [T, ...], V_last)</c>, both in the autograd graph.</summary>
    public static (Tensor Output, Tensor VLast) MultiStep(Tensor x, Tensor v0, NeuronOptions o, Tensor? plifA = null, Tensor? vth = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        using var scope = NewDisposeScope();
        var c = o.ThresholdScales; var lam = o.LevelWeights;
        Tensor vTh = vth ?? tensor(o.VThreshold, x.dtype);
        Tensor? beta = o.Dynamics switch
        {
            Dynamics.PLIF => (plifA ?? tensor(KernelParameters.InitialPlifA(o.Tau), x.dtype)).sigmoid(),
            Dynamics.LIF => tensor(1.0 / o.Tau, x.dtype),
            _ => null,
        };
        var v = v0.expand(x.shape[1..]);
        var outs = new List<Tensor>();
        for (long t = 0; t < x.shape[0]; t++)
        {
            var xt = x[t];
            var h = beta is null ? v + xt
                : o.DecayInput ? v + (xt - (v - o.VReset)) * beta
                : v - (v - o.VReset) * beta + xt;
            var spikes = new Tensor[o.Levels];
            var r = h;
            for (int k = 0; k < o.Levels; k++)
            {
                spikes[k] = SurrogateSpike.Spike((o.Mode == FiringMode.Cascade ? r : h) - vTh * c[k], o.Surrogate);
                if (o.Mode == FiringMode.Cascade) r = r - vTh * lam[k] * spikes[k];
            }
            var output = spikes[0] * lam[0];
            for (int k = 1; k < o.Levels; k++) output = output + spikes[k] * lam[k];
            outs.Add(output);
            if (o.EffectiveReset == ResetMode.Soft)
            {
                var term = vTh * output;
                v = h - (o.DetachReset ? term.detach() : term);
            }
            else
            {
                Tensor any;
                if (o.Mode == FiringMode.Cascade)
                {
                    var none = 1 - spikes[0];
                    for (int k = 1; k < o.Levels; k++) none = none * (1 - spikes[k]);
                    any = 1 - none;
                }
                else any = spikes[^1];
                if (o.DetachReset) any = any.detach();
                v = h * (1 - any) + any * o.VReset;
            }
        }
        return (scope.MoveToOuter(stack(outs)), scope.MoveToOuter(v));
    }
}
