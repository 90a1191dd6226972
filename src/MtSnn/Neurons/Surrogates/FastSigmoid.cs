using System.Runtime.CompilerServices;
using MtSnn.Kernels;
using static MtSnn.Kernels.Cuda.CudaKernelSource;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>Fast sigmoid (snnTorch's): <c>g(u) = 1 / (1 + slope |u|)^2</c>, slope = 25.</summary>
public sealed record FastSigmoid : Surrogate, IBuiltInSurrogate
{
    /// <summary>The registry entry.</summary>
    public static SurrogateKind Kind { get; } = new("fast-sigmoid", "slope", 25.0, s => new FastSigmoid(s), "fastsigmoid");
    public FastSigmoid(double slope = 25.0) => Slope = Positive(slope, "slope");
    public double Slope { get; }
    public override Tensor Derivative(Tensor u) => 1.0 / (1 + Slope * u.abs()).square();
    public override float Derivative(float u) { float d = 1 + (float)Slope * MathF.Abs(u); return 1f / (d * d); }
    SurrogateKind IBuiltInSurrogate.Kind => Kind;
    double IBuiltInSurrogate.Parameter => Slope;
    TResult IBuiltInSurrogate.Accept<TResult>(ISurrogateDerivativeVisitor<TResult> visitor) => visitor.Visit(new FastSigmoidDerivative(Slope));
    string IBuiltInSurrogate.CudaBody => $"float d = 1.0f + fabsf(u) * {F((float)Slope)}; return 1.0f / (d * d);";
}

/// <summary>Fast sigmoid's derivative on vectors: <c>g(u) = 1 / (1 + slope |u|)^2</c>.</summary>
internal readonly struct FastSigmoidDerivative(double slope) : ISurrogateDerivative
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
