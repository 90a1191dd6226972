using System.Collections.Immutable;
using MtSnn.Neurons;

namespace MtSnn.Runtime.Graph;

/// <summary>
/// One multi-threshold neuron layer as exported (MT-SNN.md §2): thresholds <c>theta_k</c> are absolute
/// (already multiplied by <c>V_th</c>), weights <c>lambda_k</c> are in units of <c>V_th</c>, the graded output is
/// <c>O = sum_k lambda_k S_k</c>. <see cref="Decay"/> is <c>1/tau</c> (unused for IF).
/// </summary>
public sealed record NeuronSpec
{
    /// <summary>Charge rule.</summary>
    public Dynamics Dynamics { get; init; } = Dynamics.IF;
    /// <summary>Firing rule.</summary>
    public FiringMode Mode { get; init; } = FiringMode.Single;
    /// <summary>Absolute thresholds theta_1 &gt; ... &gt; theta_K &gt; 0.</summary>
    public ImmutableArray<double> Thresholds { get; init; } = [1.0];
    /// <summary>Output weights lambda_k &gt; 0.</summary>
    public ImmutableArray<double> Weights { get; init; } = [1.0];
    /// <summary>V_th &gt; 0 (the soft reset subtracts <c>V_th O</c>; the cascade residual subtracts <c>V_th lambda_k</c>).</summary>
    public double VThreshold { get; init; } = 1.0;
    /// <summary><c>1/tau</c> in (0, 1) for LIF and PLIF; ignored for IF.</summary>
    public double Decay { get; init; } = 0.5;
    /// <summary>V_reset: hard-reset value and the leak's resting potential.</summary>
    public double VReset { get; init; }
    /// <summary>Initial membrane V[-1].</summary>
    public double VInit { get; init; }
    /// <summary>Reset rule.</summary>
    public ResetMode Reset { get; init; } = ResetMode.Soft;
    /// <summary>LIF form: true <c>H = V + (X - (V - V_reset))/tau</c>, false <c>H = V - (V - V_reset)/tau + X</c>.</summary>
    public bool DecayInput { get; init; } = true;

    /// <summary>Number of levels K.</summary>
    public int Levels => Thresholds.IsDefault ? 0 : Thresholds.Length;

    /// <summary>
    /// Builds the spec of a preset, <c>pow2</c> or <c>uniform</c> (<see cref="NeuronModel.ThresholdScales"/>,
    /// <see cref="NeuronModel.LevelWeights"/>): <c>theta_k = V_th c_k</c>, weights <c>lambda_k</c>.
    /// </summary>
    public static NeuronSpec Preset(string preset, FiringMode mode, int levels, double vThreshold = 1.0)
    {
        var p = preset switch
        {
            "pow2" => ThresholdPreset.Pow2,
            "uniform" => ThresholdPreset.Uniform,
            _ => throw new ArgumentException($"unknown preset '{preset}' (allowed: pow2, uniform)"),
        };
        return new NeuronSpec
        {
            Mode = mode, VThreshold = vThreshold,
            Thresholds = [.. NeuronModel.ThresholdScales(p, levels).Select(c => vThreshold * c)],
            Weights = NeuronModel.LevelWeights(p, levels),
        };
    }

    /// <summary>The first problem with this spec (the rules and messages of <see cref="NeuronModel"/>), or null when it is valid.</summary>
    public string? Problem() =>
        NeuronModel.LevelCountProblem(Mode, Levels)
        ?? NeuronModel.LevelTableProblem(Levels, Thresholds, Weights, "a neuron")
        ?? NeuronModel.VThresholdProblem(VThreshold)
        ?? (Dynamics == Dynamics.IF ? null : NeuronModel.DecayProblem(Decay))
        ?? NeuronModel.FiniteProblem("V_reset", VReset)
        ?? NeuronModel.FiniteProblem("V_init", VInit);
}
