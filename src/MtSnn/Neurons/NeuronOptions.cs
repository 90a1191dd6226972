using System.Collections.Immutable;

namespace MtSnn.Neurons;

/// <summary>
/// Every option of the multi-threshold neuron (MT-SNN.md §2), immutable. Construct with an object initializer
/// (or <c>with</c>), then call <see cref="Validate"/> (the neuron does); invalid values are rejected with a
/// message naming the value and what is allowed.
/// </summary>
public sealed record NeuronOptions
{
    /// <summary>Charge rule: IF, LIF or PLIF. Default LIF.</summary>
    public Dynamics Dynamics { get; init; } = Dynamics.LIF;
    /// <summary>Firing rule: single, parallel or cascade. Default single.</summary>
    public FiringMode Mode { get; init; } = FiringMode.Single;
    /// <summary>Number of levels K (&gt;= 1; Single needs 1). Default 1.</summary>
    public int Levels { get; init; } = 1;
    /// <summary>Threshold preset; null means the mode's default (Pow2 for single and cascade, Uniform for parallel).</summary>
    public ThresholdPreset? Preset { get; init; }
    /// <summary>Explicit thresholds in units of V_th (theta_k = V_th * Thresholds[k]); strictly descending, positive, finite.</summary>
    public ImmutableArray<double> Thresholds { get; init; } = [];
    /// <summary>Explicit output weights lambda_k (in units of V_th); positive, finite.</summary>
    public ImmutableArray<double> Weights { get; init; } = [];
    /// <summary>Base threshold V_th (&gt; 0). Default 1.</summary>
    public double VThreshold { get; init; } = 1.0;
    /// <summary>Whether V_th is a trainable parameter (one scalar per layer; all thresholds scale with it).</summary>
    public bool TrainableVThreshold { get; init; }
    /// <summary>Membrane time constant tau (&gt; 1) for LIF; tau0, the initial value, for PLIF. Default 2.</summary>
    public double Tau { get; init; } = 2.0;
    /// <summary>LIF decay_input: true gives <c>H = V + (X - (V - V_reset))/tau</c>, false <c>H = V - (V - V_reset)/tau + X</c>.</summary>
    public bool DecayInput { get; init; } = true;
    /// <summary>V_reset, the hard-reset value and the leak's resting potential. Default 0.</summary>
    public double VReset { get; init; }
    /// <summary>Initial membrane V[-1]; null means V_reset.</summary>
    public double? VInit { get; init; }
    /// <summary>Reset rule; null means the mode's default (hard for single, soft for parallel and cascade).</summary>
    public ResetMode? Reset { get; init; }
    /// <summary>Treat the reset term as a constant in backward.</summary>
    public bool DetachReset { get; init; }
    /// <summary>The surrogate gradient. Default ATan(alpha = 2).</summary>
    public Surrogate Surrogate { get; init; } = new ATan();
    /// <summary>Per-level surrogate width: the same for every level (default) or scaled to each level's threshold spacing.</summary>
    public SurrogateWidth SurrogateWidth { get; init; } = SurrogateWidth.Fixed;
    /// <summary>
    /// Divide every level's surrogate by <c>sum_k lambda_k</c>, so that <c>dO/dH = sum_k lambda_k dS_k/dH</c> has the area
    /// of a single threshold's surrogate (with <see cref="SurrogateWidth.Spacing"/>: exactly 1). Default off.
    /// </summary>
    public bool NormalizeLevelGradient { get; init; }
    /// <summary>Single-step or multi-step (<c>[T, B, ...]</c>) calls. Default multi-step.</summary>
    public StepMode StepMode { get; init; } = StepMode.Multi;
    /// <summary>Keep the pre-fire potential H and the membrane V of the last call for inspection.</summary>
    public bool StoreMembrane { get; init; }

    /// <summary>The preset in effect (<see cref="NeuronModel.DefaultPreset"/> when none is given).</summary>
    public ThresholdPreset EffectivePreset => Preset ?? NeuronModel.DefaultPreset(Mode);

    /// <summary>The reset in effect (<see cref="NeuronModel.DefaultReset"/> when none is given).</summary>
    public ResetMode EffectiveReset => Reset ?? NeuronModel.DefaultReset(Mode);

    /// <summary>Initial membrane in effect.</summary>
    public double EffectiveVInit => VInit ?? VReset;

    /// <summary>
    /// Threshold of each level in units of V_th: theta_k / V_th, k = 1..K (<see cref="NeuronModel.ThresholdScales"/>).
    /// Computed on each access; a neuron module reads them once, from <see cref="Resolve"/>.
    /// </summary>
    public ImmutableArray<double> ThresholdScales => NeuronModel.ThresholdScales(EffectivePreset, Levels, Thresholds);

    /// <summary>Output weight lambda_k of each level (the graded output is <c>O = sum_k lambda_k S_k</c>, in units of V_th; <see cref="NeuronModel.LevelWeights"/>).</summary>
    public ImmutableArray<double> LevelWeights => NeuronModel.LevelWeights(EffectivePreset, Levels, Weights);

    /// <summary>The spacing <c>d_k</c> of each level's threshold, in units of V_th (see <see cref="SurrogateWidth.Spacing"/>).</summary>
    public ImmutableArray<double> LevelSpacings => NeuronModel.LevelSpacings(Mode, ThresholdScales, LevelWeights);

    /// <summary>Width factor <c>s_k</c> of level k's surrogate: <c>dS_k/du = m_k g(u / s_k)</c>.</summary>
    public ImmutableArray<double> SurrogateLevelWidths => SurrogateWidth switch
    {
        SurrogateWidth.Fixed => [.. Enumerable.Repeat(1.0, Levels)],
        SurrogateWidth.Spacing => LevelSpacings,
        _ => throw new ArgumentException($"unknown surrogate width {SurrogateWidth} (allowed: Fixed, Spacing)"),
    };

    /// <summary>Gain <c>m_k</c> of level k's surrogate: <c>1 / s_k</c> (unit area), divided by <c>sum_k lambda_k</c> when <see cref="NormalizeLevelGradient"/>.</summary>
    public ImmutableArray<double> SurrogateLevelGains
    {
        get
        {
            double norm = NormalizeLevelGradient ? LevelWeights.Sum() : 1.0;
            return [.. SurrogateLevelWidths.Select(s => 1.0 / s / norm)];
        }
    }

    /// <summary>The surrogate of each level: <see cref="Surrogate"/> itself where <c>s_k = m_k = 1</c>, else a <see cref="LevelSurrogate"/>.</summary>
    public ImmutableArray<Surrogate> LevelSurrogates
    {
        get
        {
            var widths = SurrogateLevelWidths;
            var gains = SurrogateLevelGains;
            return [.. Enumerable.Range(0, Levels).Select(k => widths[k] == 1.0 && gains[k] == 1.0 ? Surrogate : new LevelSurrogate(Surrogate, widths[k], gains[k]))];
        }
    }

    /// <summary>The values the graded output O can take (in units of V_th), ascending: every subset sum reachable by the firing rule.</summary>
    public IReadOnlyList<double> OutputLevels() => NeuronModel.OutputLevels(Mode, LevelWeights);

    /// <summary>
    /// Validates the options and computes, once, what a neuron module reads on every call: the level table, the
    /// per-level surrogates, the reset and V_init in effect.
    /// </summary>
    internal ResolvedNeuronOptions Resolve() => new(Validate());

    /// <summary>
    /// Checks every option (the shared rules and messages of <see cref="NeuronModel"/>, plus the training-only ones);
    /// throws <see cref="ArgumentException"/> naming the first bad value and what is allowed.
    /// </summary>
    public NeuronOptions Validate()
    {
        Check(NeuronModel.LevelCountProblem(Mode, Levels));
        if (Mode == FiringMode.Single && EffectivePreset == ThresholdPreset.Explicit) Fail("single firing fixes theta_1 = V_th and lambda_1 = 1 (preset explicit not allowed); use parallel or cascade with K = 1 for explicit values");
        Check(NeuronModel.VThresholdProblem(VThreshold));
        if (Dynamics != Dynamics.IF) Check(NeuronModel.TauProblem(Tau));
        Check(NeuronModel.FiniteProblem("V_reset", VReset));
        if (VInit is { } vi) Check(NeuronModel.FiniteProblem("V_init", vi));
        if (Surrogate is null) Fail($"surrogate must be set (allowed: {Surrogates.Names})");
        if (Surrogate is LevelSurrogate) Fail($"surrogate must be a plain surrogate ({Surrogates.Names}); per-level scaling is SurrogateWidth and NormalizeLevelGradient");
        if (!Enum.IsDefined(SurrogateWidth)) Fail($"unknown surrogate width {SurrogateWidth} (allowed: fixed, spacing)");
        if (EffectivePreset == ThresholdPreset.Explicit)
        {
            Check(NeuronModel.LevelTableProblem(Levels, Thresholds, Weights, "explicit preset"));
        }
        else if ((!Thresholds.IsDefaultOrEmpty) || (!Weights.IsDefaultOrEmpty))
            Fail($"thresholds and weights are only allowed with the explicit preset (preset is {EffectivePreset.ToString().ToLowerInvariant()})");
        return this;
    }

    private static void Check(string? problem)
    {
        if (problem is not null) Fail(problem);
    }

    private static void Fail(string message) => throw new ArgumentException(message);
}
