using System.Runtime.CompilerServices;
using MtSnn.Kernels;
using static MtSnn.Kernels.Cuda.CudaKernelSource;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>Piecewise quadratic (SpikingJelly's): <c>g(u) = alpha - alpha^2 |u|</c> for <c>|u| &lt;= 1/alpha</c>, else 0; alpha = 1.</summary>
public sealed record PiecewiseQuadratic : Surrogate, IBuiltInSurrogate
{
    /// <summary>The registry entry.</summary>
    public static SurrogateKind Kind { get; } = new("piecewise-quadratic", "alpha", 1.0, a => new PiecewiseQuadratic(a), "piecewisequadratic");
    public PiecewiseQuadratic(double alpha = 1.0) => Alpha = Positive(alpha, "alpha");
    public double Alpha { get; }
    public override Tensor Derivative(Tensor u) => (Alpha - Alpha * Alpha * u.abs()).clamp_min(0);
    public override float Derivative(float u) => MathF.Max(0f, (float)Alpha - (float)(Alpha * Alpha) * MathF.Abs(u));
    SurrogateKind IBuiltInSurrogate.Kind => Kind;
    double IBuiltInSurrogate.Parameter => Alpha;
    TResult IBuiltInSurrogate.Accept<TResult>(ISurrogateDerivativeVisitor<TResult> visitor) => visitor.Visit(new PiecewiseQuadraticDerivative(Alpha));
    string IBuiltInSurrogate.CudaBody => $"return fmaxf(0.0f, {F((float)Alpha)} - fabsf(u) * {F((float)(Alpha * Alpha))});";
}

/// <summary>Piecewise quadratic's derivative on vectors: <c>g(u) = max(0, alpha - alpha^2 |u|)</c>.</summary>
internal readonly struct PiecewiseQuadraticDerivative(double alpha) : ISurrogateDerivative
{
    private readonly float _alpha = (float)alpha, _alpha2 = (float)(alpha * alpha);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV> =>
        TV.Max(TV.Zero, TV.Create(_alpha) - TV.Abs(u) * _alpha2);
}
