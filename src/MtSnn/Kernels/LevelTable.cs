namespace MtSnn.Kernels;

/// <summary>
/// Pointers to one layer's level table, pinned for the duration of a chunk: <c>theta_k</c>, <c>lambda_k</c>,
/// <c>V_th lambda_k</c>, <c>c_k = theta_k / V_th</c> and each level's surrogate scaling <c>1 / s_k</c>, <c>m_k</c>
/// (<see cref="KernelParameters.SurrogateInverseWidths"/>), k = 0..K-1, plus V_th.
/// </summary>
public readonly unsafe struct LevelTable(float* thresholds, float* weights, float* residualSteps, float* scales,
    float* surrogateInverseWidths, float* surrogateGains, int levels, float vThreshold)
{
    /// <summary><c>theta_k</c>.</summary>
    public readonly float* Thresholds = thresholds;
    /// <summary><c>lambda_k</c>.</summary>
    public readonly float* Weights = weights;
    /// <summary><c>V_th lambda_k</c>.</summary>
    public readonly float* ResidualSteps = residualSteps;
    /// <summary><c>c_k</c>.</summary>
    public readonly float* Scales = scales;
    /// <summary><c>1 / s_k</c>.</summary>
    public readonly float* SurrogateInverseWidths = surrogateInverseWidths;
    /// <summary><c>m_k</c>.</summary>
    public readonly float* SurrogateGains = surrogateGains;
    /// <summary>K.</summary>
    public readonly int Levels = levels;
    /// <summary>V_th.</summary>
    public readonly float VThreshold = vThreshold;
}
