namespace MtSnn.Neurons;

// Dynamics, FiringMode, ThresholdPreset and ResetMode are shared with the deployment engine: MtSnn.Runtime/Neurons/NeuronModel.cs.

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
