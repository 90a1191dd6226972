namespace MtSnn.Neurons;

/// <summary>How the membrane charges (MT-SNN.md §2, "Charge").</summary>
public enum Dynamics
{
    /// <summary>Integrate-and-fire: <c>H = V + X</c>.</summary>
    IF,
    /// <summary>Leaky IF: <c>H = V + (X - (V - V_reset)) / tau</c> (decay_input) or <c>H = V - (V - V_reset) / tau + X</c>.</summary>
    LIF,
    /// <summary>Parametric LIF: LIF with <c>1/tau = sigmoid(a)</c>, <c>a</c> trainable, initialised so that tau = tau0.</summary>
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

/// <summary>Where the thresholds theta_k and output weights lambda_k come from.</summary>
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

/// <summary>SpikingJelly's step_mode: one step <c>[B, ...]</c> per call, or all steps <c>[T, B, ...]</c> at once.</summary>
public enum StepMode
{
    /// <summary>One time step per call; the state persists until <c>ResetState</c>.</summary>
    Single,
    /// <summary>A whole sequence <c>[T, B, ...]</c> per call, starting from the current state.</summary>
    Multi,
}

/// <summary>
/// How each level's surrogate is shaped (MT-SNN.md §2, "Surrogate gradient"): <c>dS_k/du = m_k g(u / s_k)</c> with the
/// width factor <c>s_k</c> and gain <c>m_k</c> of <see cref="NeuronOptions.SurrogateLevelWidths"/> and
/// <see cref="NeuronOptions.SurrogateLevelGains"/>.
/// </summary>
public enum SurrogateWidth
{
    /// <summary>Every level uses the surrogate as given: <c>s_k = 1</c>, <c>m_k = 1</c>.</summary>
    Fixed,
    /// <summary>
    /// Level k's surrogate is stretched to its threshold spacing <c>d_k</c> (in units of V_th) and keeps unit area:
    /// <c>s_k = d_k</c>, <c>m_k = 1 / d_k</c>. Parallel: <c>d_k = c_k - c_{k+1}</c> (<c>c_{K+1} = 0</c>); cascade:
    /// <c>d_k = lambda_k</c>, the residual step of level k; single: <c>d_1 = 1</c>.
    /// </summary>
    Spacing,
}
