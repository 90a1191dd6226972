using MtSnn.Neurons;

namespace MtSnn.Kernels;

/// <summary>
/// The scalars a fused kernel needs, resolved from <see cref="NeuronOptions"/> (MT-SNN.md §2): the level table
/// <c>theta_k = V_th c_k</c> (<c>c_k</c> = <see cref="NeuronOptions.ThresholdScales"/>) and <c>lambda_k</c>
/// (<see cref="NeuronOptions.LevelWeights"/>), the leak <c>beta = 1/tau</c> (PLIF: <c>beta = sigmoid(a)</c>),
/// V_th, V_reset and the reset rule. Immutable; construct with <see cref="From"/>.
/// </summary>
public sealed class KernelParameters
{
    private KernelParameters(NeuronOptions options, double vth, double plifA)
    {
        Options = options;
        VThreshold = vth;
        PlifA = plifA;
        Beta = options.Dynamics switch
        {
            Dynamics.IF => 0.0,
            Dynamics.LIF => 1.0 / options.Tau,
            Dynamics.PLIF => 1.0 / (1.0 + Math.Exp(-plifA)),
            _ => throw UnknownOption.Of(options.Dynamics, "dynamics"),
        };
        var c = options.ThresholdScales;
        var w = options.LevelWeights;
        Scales = [.. c.Select(v => (float)v)];
        Weights = [.. w.Select(v => (float)v)];
        Thresholds = [.. c.Select(v => (float)(vth * v))];
        ResidualSteps = [.. w.Select(v => (float)(vth * v))];
        SurrogateInverseWidths = [.. options.SurrogateLevelWidths.Select(v => (float)(1.0 / v))];
        SurrogateGains = [.. options.SurrogateLevelGains.Select(v => (float)v)];
    }

    /// <summary>The validated options these parameters came from.</summary>
    public NeuronOptions Options { get; }
    /// <summary>Number of levels K.</summary>
    public int Levels => Scales.Length;
    /// <summary>V_th in effect (the trainable value when one was given).</summary>
    public double VThreshold { get; }
    /// <summary>PLIF's <c>a</c> (meaningful for PLIF only).</summary>
    public double PlifA { get; }
    /// <summary><c>beta = 1/tau</c> for LIF, <c>sigmoid(a)</c> for PLIF, 0 for IF.</summary>
    public double Beta { get; }
    /// <summary><c>c_k = theta_k / V_th</c>.</summary>
    public float[] Scales { get; }
    /// <summary><c>lambda_k</c>.</summary>
    public float[] Weights { get; }
    /// <summary><c>theta_k = V_th c_k</c>.</summary>
    public float[] Thresholds { get; }
    /// <summary><c>V_th lambda_k</c>, the cascade residual step.</summary>
    public float[] ResidualSteps { get; }
    /// <summary><c>1 / s_k</c>: level k's surrogate is <c>m_k g(u (1 / s_k))</c> (<see cref="NeuronOptions.SurrogateLevelWidths"/>).</summary>
    public float[] SurrogateInverseWidths { get; }
    /// <summary><c>m_k</c> (<see cref="NeuronOptions.SurrogateLevelGains"/>).</summary>
    public float[] SurrogateGains { get; }
    /// <summary>The reset rule in effect.</summary>
    public ResetMode Reset => Options.EffectiveReset;

    /// <summary>The initial PLIF <c>a</c> for a given tau0: <c>sigmoid(a) = 1/tau0</c>, i.e. <c>a = -ln(tau0 - 1)</c>.</summary>
    public static double InitialPlifA(double tau0) => -Math.Log(tau0 - 1.0);

    /// <summary>
    /// Resolves the options. <paramref name="vThreshold"/> overrides <see cref="NeuronOptions.VThreshold"/> (a trainable
    /// V_th's current value); <paramref name="plifA"/> is PLIF's <c>a</c> (default <see cref="InitialPlifA"/> of tau).
    /// </summary>
    public static KernelParameters From(NeuronOptions options, double? plifA = null, double? vThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        double vth = vThreshold ?? options.VThreshold;
        if (!double.IsFinite(vth) || vth <= 0) throw new ArgumentException($"V_th must be finite and > 0 (got {vth})");
        double a = plifA ?? InitialPlifA(options.Tau);
        if (!double.IsFinite(a)) throw new ArgumentException($"PLIF a must be finite (got {a})");
        return new KernelParameters(options, vth, a);
    }
}
