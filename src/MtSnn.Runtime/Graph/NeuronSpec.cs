using System.Collections.Immutable;

namespace MtSnn.Runtime.Graph;

/// <summary>How the membrane charges (MT-SNN.md §2): IF <c>H = V + X</c>; LIF/PLIF <c>H = V + (X - (V - V_reset)) / tau</c>.</summary>
public enum NeuronDynamics
{
    /// <summary>Integrate-and-fire: <c>H = V + X</c>.</summary>
    IF,
    /// <summary>Leaky IF with a fixed tau.</summary>
    LIF,
    /// <summary>Parametric LIF: trained <c>1/tau = sigmoid(a)</c>, exported as the float <c>decay = 1/tau</c>.</summary>
    PLIF,
}

/// <summary>How the K levels fire (MT-SNN.md §2, "Fire").</summary>
public enum NeuronFiring
{
    /// <summary><c>S_1 = Step(H - V_th)</c>, K = 1.</summary>
    Single,
    /// <summary><c>S_k = Step(H - theta_k)</c> on the same potential.</summary>
    Parallel,
    /// <summary><c>R_1 = H; S_k = Step(R_k - theta_k); R_{k+1} = R_k - V_th lambda_k S_k</c>.</summary>
    Cascade,
}

/// <summary>Reset after firing: soft <c>V = H - V_th O</c>, hard <c>V = V_reset</c> where any level fired.</summary>
public enum NeuronReset
{
    /// <summary><c>V = H - V_th O</c>.</summary>
    Soft,
    /// <summary><c>V = V_reset</c> where any level fired, else <c>V = H</c>.</summary>
    Hard,
}

/// <summary>
/// One multi-threshold neuron layer as exported (MT-SNN.md §2): thresholds <c>theta_k</c> are absolute
/// (already multiplied by <c>V_th</c>), weights <c>lambda_k</c> are in units of <c>V_th</c>, the graded output is
/// <c>O = sum_k lambda_k S_k</c>. <see cref="Decay"/> is <c>1/tau</c> (unused for IF).
/// </summary>
public sealed record NeuronSpec
{
    /// <summary>Charge rule.</summary>
    public NeuronDynamics Dynamics { get; init; } = NeuronDynamics.IF;
    /// <summary>Firing rule.</summary>
    public NeuronFiring Mode { get; init; } = NeuronFiring.Single;
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
    public NeuronReset Reset { get; init; } = NeuronReset.Soft;
    /// <summary>LIF form: true <c>H = V + (X - (V - V_reset))/tau</c>, false <c>H = V - (V - V_reset)/tau + X</c>.</summary>
    public bool DecayInput { get; init; } = true;

    /// <summary>Number of levels K.</summary>
    public int Levels => Thresholds.IsDefault ? 0 : Thresholds.Length;

    /// <summary>Builds the spec of a preset (MT-SNN.md §2): pow2 <c>theta_k = V_th 2^-(k-1)</c>, <c>lambda_k = 2^-(k-1)</c>; uniform <c>theta_k = V_th (K-k+1)/K</c>, <c>lambda_k = 1/K</c>.</summary>
    public static NeuronSpec Preset(string preset, NeuronFiring mode, int levels, double vThreshold = 1.0) => preset switch
    {
        "pow2" => new NeuronSpec
        {
            Mode = mode, VThreshold = vThreshold,
            Thresholds = [.. Enumerable.Range(0, levels).Select(k => vThreshold * Math.Pow(2, -k))],
            Weights = [.. Enumerable.Range(0, levels).Select(k => Math.Pow(2, -k))],
        },
        "uniform" => new NeuronSpec
        {
            Mode = mode, VThreshold = vThreshold,
            Thresholds = [.. Enumerable.Range(1, levels).Select(k => vThreshold * (levels - k + 1) / levels)],
            Weights = [.. Enumerable.Repeat(1.0 / levels, levels)],
        },
        _ => throw new ArgumentException($"unknown preset '{preset}' (allowed: pow2, uniform)"),
    };

    /// <summary>The first problem with this spec, or null when it is valid.</summary>
    public string? Problem()
    {
        int k = Levels;
        if (k < 1 || k > 16) return $"levels K must be in 1..16 (got {k})";
        if (Weights.IsDefault || Weights.Length != k) return $"needs K = {k} weights lambda_k (got {(Weights.IsDefault ? 0 : Weights.Length)})";
        if (Mode == NeuronFiring.Single && k != 1) return $"single firing needs K = 1 (got K = {k})";
        for (int i = 0; i < k; i++)
        {
            if (!double.IsFinite(Thresholds[i]) || Thresholds[i] <= 0) return $"threshold {i + 1} must be finite and > 0 (got {Thresholds[i]})";
            if (i > 0 && Thresholds[i] >= Thresholds[i - 1]) return $"thresholds must be strictly descending (theta_{i + 1} = {Thresholds[i]} >= theta_{i} = {Thresholds[i - 1]})";
            if (!double.IsFinite(Weights[i]) || Weights[i] <= 0) return $"weight lambda_{i + 1} must be finite and > 0 (got {Weights[i]})";
        }
        if (!double.IsFinite(VThreshold) || VThreshold <= 0) return $"v_th must be finite and > 0 (got {VThreshold})";
        if (Dynamics != NeuronDynamics.IF && !(Decay > 0 && Decay < 1)) return $"decay = 1/tau must be in (0, 1) (got {Decay})";
        if (!double.IsFinite(VReset)) return $"v_reset must be finite (got {VReset})";
        if (!double.IsFinite(VInit)) return $"v_init must be finite (got {VInit})";
        return null;
    }
}
