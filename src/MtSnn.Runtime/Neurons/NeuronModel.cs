using System.Collections.Immutable;

// The neuron model that training (MtSnn) and deployment (MtSnn.Runtime) share: one enum per concept, the threshold
// presets, the validation rules with their messages, and PLIF's leak. It lives in the runtime assembly (no TorchSharp;
// MtSnn references it) under the library's namespace MtSnn.Neurons, so that library code keeps writing
// FiringMode.Cascade and runtime code reads the same types.
namespace MtSnn.Neurons;

/// <summary>How the membrane charges (MT-SNN.md §2, "Charge").</summary>
public enum Dynamics
{
    /// <summary>Integrate-and-fire: <c>H = V + X</c>.</summary>
    IF,
    /// <summary>Leaky IF: <c>H = V + (X - (V - V_reset)) / tau</c> (decay_input) or <c>H = V - (V - V_reset) / tau + X</c>.</summary>
    LIF,
    /// <summary>
    /// Parametric LIF: LIF with <c>1/tau = sigmoid(a)</c>, <c>a</c> trainable, initialised so that tau = tau0
    /// (<see cref="NeuronModel.InitialPlifA"/>); exported as the float <c>decay = 1/tau</c>.
    /// </summary>
    PLIF,
}

/// <summary>How the K levels fire (MT-SNN.md §2, "Fire").</summary>
public enum FiringMode
{
    /// <summary>One level: <c>S_1 = Step(H - V_th)</c>, the ordinary spiking neuron (K = 1).</summary>
    Single,
    /// <summary>Every level compares the same potential: <c>S_k = Step(H - theta_k)</c>.</summary>
    Parallel,
    /// <summary>Levels in order on a residual: <c>R_1 = H; S_k = Step(R_k - theta_k); R_{k+1} = R_k - V_th lambda_k S_k</c>.</summary>
    Cascade,
}

/// <summary>Where the thresholds theta_k and output weights lambda_k come from (<see cref="NeuronModel.ThresholdScales"/>).</summary>
public enum ThresholdPreset
{
    /// <summary><c>theta_k = V_th 2^-(k-1)</c>, <c>lambda_k = 2^-(k-1)</c> (default for cascade and single).</summary>
    Pow2,
    /// <summary><c>theta_k = V_th (K - k + 1) / K</c>, <c>lambda_k = 1 / K</c> (default for parallel).</summary>
    Uniform,
    /// <summary>User-given thresholds (in units of V_th) and weights.</summary>
    Explicit,
}

/// <summary>What happens to the membrane after firing.</summary>
public enum ResetMode
{
    /// <summary><c>V = H - V_th O</c> (for cascade this is the last residual).</summary>
    Soft,
    /// <summary><c>V = V_reset</c> where any level fired, else <c>V = H</c>.</summary>
    Hard,
}

/// <summary>
/// The rules of the multi-threshold neuron (MT-SNN.md §2) that do not depend on tensors, written once for the
/// library's <c>NeuronOptions</c> and the runtime's <c>NeuronSpec</c>: the defaults a firing mode implies, the level
/// table of each preset, every validation rule with its message (each returns null when the value is fine), and
/// PLIF's <c>1/tau = sigmoid(a)</c>.
/// </summary>
public static class NeuronModel
{
    /// <summary>The largest number of levels K (a level's spikes are one bit of a 16-bit code).</summary>
    public const int MaxLevels = 16;

    /// <summary>The preset a mode uses when none is given: uniform for parallel, pow2 for single and cascade.</summary>
    public static ThresholdPreset DefaultPreset(FiringMode mode) => mode == FiringMode.Parallel ? ThresholdPreset.Uniform : ThresholdPreset.Pow2;

    /// <summary>The reset a mode uses when none is given: hard for single, soft for parallel and cascade.</summary>
    public static ResetMode DefaultReset(FiringMode mode) => mode == FiringMode.Single ? ResetMode.Hard : ResetMode.Soft;

    /// <summary>
    /// Threshold of each level in units of V_th, <c>c_k = theta_k / V_th</c>, k = 1..K: pow2 <c>2^-(k-1)</c>, uniform
    /// <c>(K - k + 1) / K</c>, explicit <paramref name="explicitScales"/> as given.
    /// </summary>
    public static ImmutableArray<double> ThresholdScales(ThresholdPreset preset, int levels, ImmutableArray<double> explicitScales = default) => preset switch
    {
        ThresholdPreset.Pow2 => Build(levels, k => Math.Pow(2, -k)),
        ThresholdPreset.Uniform => Build(levels, k => (double)(levels - k) / levels),
        ThresholdPreset.Explicit => explicitScales.IsDefault ? [] : explicitScales,
        _ => throw new ArgumentException($"unknown threshold preset {preset} (allowed: pow2, uniform, explicit)"),
    };

    /// <summary>Output weight of each level, <c>lambda_k</c>: pow2 <c>2^-(k-1)</c>, uniform <c>1 / K</c>, explicit <paramref name="explicitWeights"/> as given.</summary>
    public static ImmutableArray<double> LevelWeights(ThresholdPreset preset, int levels, ImmutableArray<double> explicitWeights = default) => preset switch
    {
        ThresholdPreset.Pow2 => Build(levels, k => Math.Pow(2, -k)),
        ThresholdPreset.Uniform => Build(levels, _ => 1.0 / levels),
        ThresholdPreset.Explicit => explicitWeights.IsDefault ? [] : explicitWeights,
        _ => throw new ArgumentException($"unknown threshold preset {preset} (allowed: pow2, uniform, explicit)"),
    };

    /// <summary>
    /// The spacing <c>d_k</c> of each level's threshold in units of V_th (what a per-level surrogate width scales to):
    /// single 1; parallel the gap to the next lower threshold (<c>c_k - c_{k+1}</c>, the lowest to 0); cascade the
    /// level weight <c>lambda_k</c> (the residual step between levels).
    /// </summary>
    public static ImmutableArray<double> LevelSpacings(FiringMode mode, ImmutableArray<double> scales, ImmutableArray<double> weights) => mode switch
    {
        FiringMode.Single => [1.0],
        FiringMode.Parallel => [.. Enumerable.Range(0, scales.Length).Select(k => scales[k] - (k + 1 < scales.Length ? scales[k + 1] : 0.0))],
        FiringMode.Cascade => weights,
        _ => throw UnknownOption.Of(mode, "firing mode"),
    };

    /// <summary>
    /// The values the graded output O can take (in units of V_th), ascending: every sum of level weights the firing rule
    /// can reach. Single and parallel: thresholds descend, so the levels that fire are a suffix k = j..K; cascade: any
    /// subset of the levels (K at most 16 enumerated).
    /// </summary>
    public static IReadOnlyList<double> OutputLevels(FiringMode mode, ImmutableArray<double> weights)
    {
        int levels = weights.Length;
        var set = new SortedSet<double> { 0.0 };
        switch (mode)
        {
            case FiringMode.Single or FiringMode.Parallel:
                for (int j = 0; j < levels; j++) set.Add(weights.Skip(j).Sum());
                break;
            case FiringMode.Cascade:
                for (int mask = 1; mask < 1 << Math.Min(levels, 16); mask++)
                    set.Add(Enumerable.Range(0, levels).Where(k => (mask >> k & 1) == 1).Sum(k => weights[k]));
                break;
            default:
                throw UnknownOption.Of(mode, "firing mode");
        }
        return [.. set];
    }

    /// <summary>PLIF's leak <c>1/tau = sigmoid(a) = 1 / (1 + e^-a)</c>.</summary>
    public static double Sigmoid(double a) => 1.0 / (1.0 + Math.Exp(-a));

    /// <summary>The initial PLIF <c>a</c> for a given tau0: <c>sigmoid(a) = 1/tau0</c>, i.e. <c>a = -ln(tau0 - 1)</c>.</summary>
    public static double InitialPlifA(double tau0) => -Math.Log(tau0 - 1.0);

    /// <summary>K must be in 1..<see cref="MaxLevels"/>; single firing needs K = 1.</summary>
    public static string? LevelCountProblem(FiringMode mode, int levels)
    {
        if (levels < 1) return $"levels K must be >= 1 (got {levels})";
        if (levels > MaxLevels) return $"levels K must be <= {MaxLevels} (got {levels})";
        if (mode == FiringMode.Single && levels != 1) return $"single firing needs K = 1 (got K = {levels}); use parallel or cascade for K > 1";
        return null;
    }

    /// <summary>
    /// A level table of K entries: K thresholds and K weights; thresholds finite, &gt; 0 and strictly descending;
    /// weights finite and &gt; 0. <paramref name="owner"/> names what carries the table in the count messages
    /// (<c>"explicit preset needs K = 3 thresholds (got 2)"</c>).
    /// </summary>
    public static string? LevelTableProblem(int levels, ImmutableArray<double> thresholds, ImmutableArray<double> weights, string owner)
    {
        int nt = thresholds.IsDefault ? 0 : thresholds.Length, nw = weights.IsDefault ? 0 : weights.Length;
        if (nt != levels) return $"{owner} needs K = {levels} thresholds (got {nt})";
        if (nw != levels) return $"{owner} needs K = {levels} weights (got {nw})";
        for (int k = 0; k < levels; k++)
        {
            if (!double.IsFinite(thresholds[k]) || thresholds[k] <= 0) return $"threshold {k + 1} must be finite and > 0 (got {thresholds[k]})";
            if (k > 0 && thresholds[k] >= thresholds[k - 1]) return $"thresholds must be strictly descending (threshold {k + 1} = {thresholds[k]} >= threshold {k} = {thresholds[k - 1]})";
            if (!double.IsFinite(weights[k]) || weights[k] <= 0) return $"weight {k + 1} must be finite and > 0 (got {weights[k]})";
        }
        return null;
    }

    /// <summary>V_th must be finite and &gt; 0.</summary>
    public static string? VThresholdProblem(double vThreshold) =>
        double.IsFinite(vThreshold) && vThreshold > 0 ? null : $"V_th must be finite and > 0 (got {vThreshold})";

    /// <summary>tau (LIF; PLIF's tau0) must be finite and &gt; 1, so that <c>1/tau</c> is in (0, 1).</summary>
    public static string? TauProblem(double tau) =>
        double.IsFinite(tau) && tau > 1 ? null : $"tau must be finite and > 1 (got {tau})";

    /// <summary><c>decay = 1/tau</c> (LIF, PLIF) must be in (0, 1).</summary>
    public static string? DecayProblem(double decay) =>
        decay > 0 && decay < 1 ? null : $"decay = 1/tau must be in (0, 1) (got {decay})";

    /// <summary>V_reset, V_init and the like must be finite; <paramref name="name"/> names the value in the message.</summary>
    public static string? FiniteProblem(string name, double value) =>
        double.IsFinite(value) ? null : $"{name} must be finite (got {value})";

    private static ImmutableArray<double> Build(int levels, Func<int, double> f)
    {
        if (levels <= 0) return [];
        var a = new double[levels];
        for (int k = 0; k < levels; k++) a[k] = f(k);
        return ImmutableArray.Create(a);
    }
}
