using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MtSnn.Neurons;

namespace MtSnn.Kernels;

/// <summary>
/// A surrogate derivative <c>g(u)</c> (MT-SNN.md §2, "Surrogate gradient") in the form the fused kernels use: a
/// struct, so that a kernel generic over <c>TSurrogate : struct, ISurrogateKernel</c> is compiled once per surrogate
/// and the call inlines. Each struct computes in float exactly the formula of its <see cref="Surrogate"/> record.
/// </summary>
public interface ISurrogateKernel
{
    /// <summary><c>g(u)</c> on eight lanes.</summary>
    Vector256<float> Derivative(Vector256<float> u);
}

/// <summary>ATan: <c>g(u) = (alpha/2) / (1 + (pi/2 alpha u)^2)</c>.</summary>
public readonly struct ATanKernel(double alpha) : ISurrogateKernel
{
    private readonly float _scale = (float)(Math.PI / 2 * alpha), _peak = (float)(alpha / 2);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> u)
    {
        var x = u * _scale;
        return Reciprocal.Of(Vector256<float>.One + x * x) * _peak;
    }
}

/// <summary>
/// Sigmoid: <c>g(u) = alpha s (1 - s)</c>, <c>s = sigma(alpha u)</c>, computed as <c>alpha e / (1 + e)^2</c> with
/// <c>e = exp(-alpha |u|)</c> (the same value, symmetric in u, never overflows). Uses <see cref="Vector256.Exp(Vector256{float})"/>.
/// </summary>
public readonly struct SigmoidKernel(double alpha) : ISurrogateKernel
{
    private readonly float _alpha = (float)alpha;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> u)
    {
        var e = Vector256.Exp(-Vector256.Abs(u) * _alpha);
        var d = Vector256<float>.One + e;
        return e * _alpha * Reciprocal.Of(d * d);
    }
}

/// <summary>Rectangle: <c>g(u) = 1/width</c> for <c>|u| &lt; width/2</c>, else 0.</summary>
public readonly struct RectangleKernel(double width) : ISurrogateKernel
{
    private readonly float _half = (float)(width / 2), _height = 1f / (float)width;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> u) =>
        Vector256.LessThan(Vector256.Abs(u), Vector256.Create(_half)) & Vector256.Create(_height);
}

/// <summary>Triangle: <c>g(u) = max(0, gamma - |u|) / gamma^2</c>.</summary>
public readonly struct TriangleKernel(double gamma) : ISurrogateKernel
{
    private readonly float _gamma = (float)gamma, _gamma2 = (float)(gamma * gamma);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> u) =>
        Vector256.Max(Vector256<float>.Zero, Vector256.Create(_gamma) - Vector256.Abs(u)) / Vector256.Create(_gamma2);
}

/// <summary>Piecewise quadratic: <c>g(u) = max(0, alpha - alpha^2 |u|)</c>.</summary>
public readonly struct PiecewiseQuadraticKernel(double alpha) : ISurrogateKernel
{
    private readonly float _alpha = (float)alpha, _alpha2 = (float)(alpha * alpha);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> u) =>
        Vector256.Max(Vector256<float>.Zero, Vector256.Create(_alpha) - Vector256.Abs(u) * _alpha2);
}

/// <summary>Fast sigmoid: <c>g(u) = 1 / (1 + slope |u|)^2</c>.</summary>
public readonly struct FastSigmoidKernel(double slope) : ISurrogateKernel
{
    private readonly float _slope = (float)slope;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> u)
    {
        var d = Vector256<float>.One + Vector256.Abs(u) * _slope;
        return Reciprocal.Of(d * d);
    }
}

/// <summary>
/// <c>1/d</c> for d &gt;= 1 (all surrogate denominators are): the hardware estimate (rcp14 with AVX-512, rcp with AVX)
/// refined by one Newton step <c>r (2 - d r)</c>, relative error below 1e-6; a division where neither exists.
/// </summary>
internal static class Reciprocal
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> d)
    {
        Vector256<float> r;
        if (Avx512F.VL.IsSupported) r = Avx512F.VL.Reciprocal14(d);
        else if (Avx.IsSupported) r = Avx.Reciprocal(d);
        else return Vector256<float>.One / d;
        return Vector256.FusedMultiplyAdd(r, Vector256.FusedMultiplyAdd(-d, r, Vector256<float>.One), r);
    }
}
