using System.Runtime.CompilerServices;

namespace MtSnn.Kernels;

/// <summary>
/// The charge <c>H = f(V, X)</c> (MT-SNN.md §2, "Charge") and its partial derivatives, on vectors of any width. A struct,
/// so kernels generic over it inline the rule. Backward needs only <c>H</c> and <c>V</c> (never X).
/// </summary>
internal interface IChargeKernel
{
    /// <summary>The pre-fire potential <c>H</c>.</summary>
    TV Charge<TV>(TV v, TV x) where TV : unmanaged, IVec<TV>;
    /// <summary><c>dH/dX</c> (a constant per layer).</summary>
    float DhDx { get; }
    /// <summary><c>dH/dV</c> (a constant per layer).</summary>
    float DhDv { get; }
    /// <summary><c>dH/dbeta</c> at this step, from <c>V</c> (= V[t-1]) and <c>H</c>.</summary>
    TV DhDBeta<TV>(TV v, TV h) where TV : unmanaged, IVec<TV>;
}

/// <summary>IF: <c>H = V + X</c>.</summary>
internal readonly struct IfCharge : IChargeKernel
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Charge<TV>(TV v, TV x) where TV : unmanaged, IVec<TV> => v + x;
    /// <inheritdoc/>
    public float DhDx => 1f;
    /// <inheritdoc/>
    public float DhDv => 1f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV DhDBeta<TV>(TV v, TV h) where TV : unmanaged, IVec<TV> => TV.Zero;
}

/// <summary>
/// LIF with decay_input: <c>H = V + (X - (V - V_reset)) beta</c>, <c>beta = 1/tau</c>.
/// <c>dH/dX = beta</c>, <c>dH/dV = 1 - beta</c>, <c>dH/dbeta = X - (V - V_reset) = (H - V) / beta</c>.
/// </summary>
internal readonly struct LifDecayInputCharge(float beta, float vReset) : IChargeKernel
{
    private readonly float _beta = beta, _vReset = vReset, _invBeta = 1f / beta;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Charge<TV>(TV v, TV x) where TV : unmanaged, IVec<TV> => v + (x - (v - TV.Create(_vReset))) * _beta;
    /// <inheritdoc/>
    public float DhDx => _beta;
    /// <inheritdoc/>
    public float DhDv => 1f - _beta;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV DhDBeta<TV>(TV v, TV h) where TV : unmanaged, IVec<TV> => (h - v) * _invBeta;
}

/// <summary>
/// LIF without decay_input: <c>H = V - (V - V_reset) beta + X</c>.
/// <c>dH/dX = 1</c>, <c>dH/dV = 1 - beta</c>, <c>dH/dbeta = -(V - V_reset)</c>.
/// </summary>
internal readonly struct LifCharge(float beta, float vReset) : IChargeKernel
{
    private readonly float _beta = beta, _vReset = vReset;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Charge<TV>(TV v, TV x) where TV : unmanaged, IVec<TV> => v - (v - TV.Create(_vReset)) * _beta + x;
    /// <inheritdoc/>
    public float DhDx => 1f;
    /// <inheritdoc/>
    public float DhDv => 1f - _beta;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV DhDBeta<TV>(TV v, TV h) where TV : unmanaged, IVec<TV> => TV.Create(_vReset) - v;
}
