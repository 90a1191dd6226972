using System.Collections.Immutable;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

public static partial class ReferenceNeuron
{
    /// <summary>
    /// Fire (MT-SNN.md §2): the K binary spike planes <c>S_1..S_K</c> (each shaped like <paramref name="h"/>) from
    /// the pre-fire potential <c>H</c>, by the options' mode, with thresholds <c>theta_k = V_th * scale_k</c>.
    /// <paramref name="vth"/> is <c>V_th</c> as a scalar tensor (a parameter when trainable).
    /// </summary>
    public static Tensor[] Fire(Tensor h, Tensor vth, NeuronOptions o) => FireResolved(h, vth, o.Resolve());

    /// <summary><see cref="Fire(Tensor, Tensor, NeuronOptions)"/> on options resolved once.</summary>
    internal static Tensor[] FireResolved(Tensor h, Tensor vth, ResolvedNeuronOptions r) => r.Options.Mode switch
    {
        FiringMode.Single => FireSingle(h, vth, r.LevelSurrogates[0]),
        FiringMode.Parallel => FireParallel(h, vth, r.ThresholdScales, r.LevelSurrogates),
        FiringMode.Cascade => FireCascade(h, vth, r.ThresholdScales, r.LevelWeights, r.LevelSurrogates),
        _ => throw UnknownOption.Of(r.Options.Mode, "firing mode"),
    };

    /// <summary>Single: <c>S_1 = Step(H - V_th)</c> (with <c>lambda_1 = 1</c>).</summary>
    public static Tensor[] FireSingle(Tensor h, Tensor vth, Surrogate surrogate) =>
        [SurrogateStep.Apply(h - vth, surrogate)];

    /// <summary>Parallel: <c>S_k = Step(H - theta_k)</c> for every k, all on the same <c>H</c>; level k's surrogate is <paramref name="surrogates"/>[k].</summary>
    public static Tensor[] FireParallel(Tensor h, Tensor vth, ImmutableArray<double> scales, IReadOnlyList<Surrogate> surrogates) =>
        [.. scales.Select((scale, k) => SurrogateStep.Apply(h - vth * scale, surrogates[k]))];

    /// <summary>
    /// Cascade: <c>R_1 = H; S_k = Step(R_k - theta_k); R_{k+1} = R_k - V_th lambda_k S_k</c>. The gradient flows
    /// through the residual chain (level k's spike lowers the potential seen by levels k+1..K); level k's surrogate is
    /// <paramref name="surrogates"/>[k].
    /// </summary>
    public static Tensor[] FireCascade(Tensor h, Tensor vth, ImmutableArray<double> scales, ImmutableArray<double> weights, IReadOnlyList<Surrogate> surrogates)
    {
        var spikes = new Tensor[scales.Length];
        var residual = h;
        for (int k = 0; k < spikes.Length; k++)
        {
            spikes[k] = SurrogateStep.Apply(residual - vth * scales[k], surrogates[k]);
            if (k + 1 < spikes.Length) residual = residual - vth * weights[k] * spikes[k];
        }
        return spikes;
    }

    /// <summary>
    /// The graded output <c>O = sum_k lambda_k S_k</c>, in units of <c>V_th</c> (for <c>V_th = 1</c> it is the
    /// absolute value; the absolute charge removed by a soft reset is <c>V_th O</c>).
    /// </summary>
    public static Tensor Output(IReadOnlyList<Tensor> spikes, ImmutableArray<double> weights)
    {
        var output = spikes[0] * weights[0];
        for (int k = 1; k < spikes.Count; k++) output = output + spikes[k] * weights[k];
        return output;
    }

    /// <summary>
    /// Whether any level fired, <c>S_any</c>. Single and parallel: the lowest threshold <c>theta_K</c> fires whenever
    /// any level does, so <c>S_any = S_K</c> exactly (backward reaches level K only). Cascade: levels fire in any
    /// combination, so <c>S_any = 1 - prod_k (1 - S_k)</c> (equal to <c>max_k S_k</c> on binary spikes; in backward
    /// level k gets <c>dS_any/dS_k = prod_{j != k} (1 - S_j)</c>, no tie-breaking between levels).
    /// </summary>
    public static Tensor AnySpike(IReadOnlyList<Tensor> spikes, FiringMode mode)
    {
        switch (mode)
        {
            case FiringMode.Single or FiringMode.Parallel: return spikes[^1];
            case FiringMode.Cascade: break;
            default: throw UnknownOption.Of(mode, "firing mode");
        }
        var none = 1 - spikes[0];
        for (int k = 1; k < spikes.Count; k++) none = none * (1 - spikes[k]);
        return 1 - none;
    }
}
