using System.Runtime.CompilerServices;
using MtSnn.Neurons;

namespace MtSnn.Kernels;

/// <summary>
/// A surrogate derivative <c>g(u)</c> (MT-SNN.md §2, "Surrogate gradient") in the form the fused kernels use: a
/// struct, so that a kernel generic over <c>TSurrogate : struct, ISurrogateKernel</c> is compiled once per surrogate
/// and the call inlines. Each struct computes in float exactly the formula of its <see cref="Surrogate"/> record.
/// </summary>
internal interface ISurrogateKernel
{
    /// <summary><c>g(u)</c> on every lane of a vector of any width.</summary>
    TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV>;
}

/// <summary>ATan: <c>g(u) = (alpha/2) / (1 + (pi/2 alpha u)^2)</c>.</summary>
internal readonly struct ATanKernel(double alpha) : ISurrogateKernel
{
    private readonly float _scale = (float)(Math.PI / 2 * alpha), _peak = (float)(alpha / 2);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV>
    {
        var x = u * _scale;
        return TV.Reciprocal(TV.FusedMultiplyAdd(x, x, TV.One)) * _peak;
    }
}

/// <summary>
/// Sigmoid: <c>g(u) = alpha s (1 - s)</c>, <c>s = sigma(alpha u)</c>, computed as <c>alpha e / (1 + e)^2</c> with
/// <c>e = exp(-alpha |u|)</c> (the same value, symmetric in u, never overflows). Uses <see cref="IVec{TSelf}.Exp"/>.
/// </summary>
internal readonly struct SigmoidKernel(double alpha) : ISurrogateKernel
{
    private readonly float _alpha = (float)alpha;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV>
    {
        var e = TV.Exp(-TV.Abs(u) * _alpha);
        var d = TV.One + e;
        return e * _alpha * TV.Reciprocal(d * d);
    }
}

/// <summary>Rectangle: <c>g(u) = 1/width</c> for <c>|u| &lt; width/2</c>, else 0.</summary>
internal readonly struct RectangleKernel(double width) : ISurrogateKernel
{
    private readonly float _half = (float)(width / 2), _height = 1f / (float)width;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV> =>
        TV.LessThan(TV.Abs(u), TV.Create(_half)) & TV.Create(_height);
}

/// <summary>Triangle: <c>g(u) = max(0, gamma - |u|) / gamma^2</c>.</summary>
internal readonly struct TriangleKernel(double gamma) : ISurrogateKernel
{
    private readonly float _gamma = (float)gamma, _gamma2 = (float)(gamma * gamma);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV> =>
        TV.Max(TV.Zero, TV.Create(_gamma) - TV.Abs(u)) / TV.Create(_gamma2);
}

/// <summary>Piecewise quadratic: <c>g(u) = max(0, alpha - alpha^2 |u|)</c>.</summary>
internal readonly struct PiecewiseQuadraticKernel(double alpha) : ISurrogateKernel
{
    private readonly float _alpha = (float)alpha, _alpha2 = (float)(alpha * alpha);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV> =>
        TV.Max(TV.Zero, TV.Create(_alpha) - TV.Abs(u) * _alpha2);
}

/// <summary>Fast sigmoid: <c>g(u) = 1 / (1 + slope |u|)^2</c>.</summary>
internal readonly struct FastSigmoidKernel(double slope) : ISurrogateKernel
{
    private readonly float _slope = (float)slope;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV>
    {
        var d = TV.One + TV.Abs(u) * _slope;
        return TV.Reciprocal(d * d);
    }
}

/// <summary>
/// <c>1/d</c> for d &gt;= 1 (all surrogate denominators are): the hardware estimate (rcp14 with AVX-512, rcp with AVX,
/// relative error up to 1.5 * 2^-12) refined by one Newton step <c>r (2 - d r)</c>, relative error below 1e-6.
/// </summary>
internal static class Reciprocal
{
    /// <summary>One Newton step from the estimate <paramref name="r"/> of <c>1/d</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Refine<TV>(TV d, TV r) where TV : unmanaged, IVec<TV> => TV.FusedMultiplyAdd(r, TV.FusedMultiplyAddNegated(d, r, TV.One), r);
}
