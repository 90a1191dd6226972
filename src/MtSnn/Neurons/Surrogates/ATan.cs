using System.Runtime.CompilerServices;
using MtSnn.Kernels;
using static MtSnn.Kernels.Cuda.CudaKernelSource;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>ATan (SpikingJelly's default): <c>g(u) = (alpha/2) / (1 + (pi/2 alpha u)^2)</c>, alpha = 2.</summary>
public sealed record ATan : Surrogate, IBuiltInSurrogate
{
    /// <summary>The registry entry.</summary>
    public static SurrogateKind Kind { get; } = new("atan", "alpha", 2.0, a => new ATan(a));
    public ATan(double alpha = 2.0) => Alpha = Positive(alpha, "alpha");
    public double Alpha { get; }
    public override Tensor Derivative(Tensor u) => (Alpha / 2) / (1 + (Math.PI / 2 * Alpha * u).square());
    public override float Derivative(float u) { float x = (float)(Math.PI / 2 * Alpha) * u; return (float)(Alpha / 2) / (1 + x * x); }
    SurrogateKind IBuiltInSurrogate.Kind => Kind;
    double IBuiltInSurrogate.Parameter => Alpha;
    TResult IBuiltInSurrogate.Accept<TResult>(ISurrogateDerivativeVisitor<TResult> visitor) => visitor.Visit(new ATanDerivative(Alpha));
    string IBuiltInSurrogate.CudaBody => $"float x = u * {F((float)(Math.PI / 2 * Alpha))}; return {F((float)(Alpha / 2))} / (1.0f + x * x);";
}

/// <summary>ATan's derivative on vectors: <c>g(u) = (alpha/2) / (1 + (pi/2 alpha u)^2)</c>.</summary>
internal readonly struct ATanDerivative(double alpha) : ISurrogateDerivative
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
