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
    private KernelParameters(ResolvedNeuronOptions r, double vth, double plifA)
    {
        var options = r.Options;
        Options = options;
        VThreshold = vth;
        PlifA = plifA;
        Reset = r.Reset;
        Beta = options.Dynamics switch
        {
            Dynamics.IF => 0.0,
            Dynamics.LIF => 1.0 / options.Tau,
            Dynamics.PLIF => NeuronModel.Sigmoid(plifA),
            _ => throw UnknownOption.Of(options.Dynamics, "dynamics"),
        };
        Scales = (float[])r.Scales32.Clone();
        Weights = (float[])r.Weights32.Clone();
        Thresholds = [.. r.ThresholdScales.Select(v => (float)(vth * v))];
        ResidualSteps = [.. r.LevelWeights.Select(v => (float)(vth * v))];
        SurrogateInverseWidths = (float[])r.SurrogateInverseWidths32.Clone();
        SurrogateGains = (float[])r.SurrogateGains32.Clone();
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
    public ResetMode Reset { get; }

    /// <summary>
    /// Resolves (and validates) the options. <paramref name="vThreshold"/> overrides <see cref="NeuronOptions.VThreshold"/> (a trainable
    /// V_th's current value); <paramref name="plifA"/> is PLIF's <c>a</c> (default <see cref="NeuronModel.InitialPlifA"/> of tau).
    /// </summary>
    public static KernelParameters From(NeuronOptions options, double? plifA = null, double? vThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return FromResolved(options.Resolve(), plifA, vThreshold);
    }

    /// <summary><see cref="From(NeuronOptions, double?, double?)"/> on options resolved once (a module's): no validation, no rebuilt level table.</summary>
    internal static KernelParameters FromResolved(ResolvedNeuronOptions options, double? plifA = null, double? vThreshold = null)
    {
        double vth = vThreshold ?? options.Options.VThreshold;
        if (NeuronModel.VThresholdProblem(vth) is { } p) throw new ArgumentException(p);
        double a = plifA ?? NeuronModel.InitialPlifA(options.Options.Tau);
        if (!double.IsFinite(a)) throw new ArgumentException($"PLIF a must be finite (got {a})");
        return new KernelParameters(options, vth, a);
    }
}
