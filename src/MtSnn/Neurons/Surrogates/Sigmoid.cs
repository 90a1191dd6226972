using System.Runtime.CompilerServices;
using TorchSharp;
using MtSnn.Kernels;
using static MtSnn.Kernels.Cuda.CudaKernelSource;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>Sigmoid: <c>g(u) = alpha sigma(alpha u) (1 - sigma(alpha u))</c>, alpha = 4.</summary>
public sealed record Sigmoid : Surrogate, IBuiltInSurrogate
{
    /// <summary>The registry entry.</summary>
    public static SurrogateKind Kind { get; } = new("sigmoid", "alpha", 4.0, a => new Sigmoid(a));
    public Sigmoid(double alpha = 4.0) => Alpha = Positive(alpha, "alpha");
    public double Alpha { get; }
    public override Tensor Derivative(Tensor u) { var s = torch.sigmoid(Alpha * u); return Alpha * s * (1 - s); }
    public override float Derivative(float u) { float s = 1f / (1f + MathF.Exp(-(float)Alpha * u)); return (float)Alpha * s * (1 - s); }
    SurrogateKind IBuiltInSurrogate.Kind => Kind;
    double IBuiltInSurrogate.Parameter => Alpha;
    TResult IBuiltInSurrogate.Accept<TResult>(ISurrogateDerivativeVisitor<TResult> visitor) => visitor.Visit(new SigmoidDerivative(Alpha));
    string IBuiltInSurrogate.CudaBody => $"float e = expf(-fabsf(u) * {F((float)Alpha)}); float d = 1.0f + e; return e * {F((float)Alpha)} / (d * d);";
}

/// <summary>
/// Sigmoid's derivative on vectors: <c>g(u) = alpha s (1 - s)</c>, <c>s = sigma(alpha u)</c>, computed as
/// <c>alpha e / (1 + e)^2</c> with <c>e = exp(-alpha |u|)</c> (the same value, symmetric in u, never overflows). Uses
/// <see cref="IVec{TSelf}.Exp"/>.
/// </summary>
internal readonly struct SigmoidDerivative(double alpha) : ISurrogateDerivative
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
