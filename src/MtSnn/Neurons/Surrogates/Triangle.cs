using System.Runtime.CompilerServices;
using MtSnn.Kernels;
using static MtSnn.Kernels.Cuda.CudaKernelSource;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>Triangle: <c>g(u) = max(0, gamma - |u|) / gamma^2</c>, gamma = 1.</summary>
public sealed record Triangle : Surrogate, IBuiltInSurrogate
{
    /// <summary>The registry entry.</summary>
    public static SurrogateKind Kind { get; } = new("triangle", "gamma", 1.0, g => new Triangle(g));
    public Triangle(double gamma = 1.0) => Gamma = Positive(gamma, "gamma");
    public double Gamma { get; }
    public override Tensor Derivative(Tensor u) => (Gamma - u.abs()).clamp_min(0) / (Gamma * Gamma);
    public override float Derivative(float u) => MathF.Max(0f, (float)Gamma - MathF.Abs(u)) / (float)(Gamma * Gamma);
    SurrogateKind IBuiltInSurrogate.Kind => Kind;
    double IBuiltInSurrogate.Parameter => Gamma;
    TResult IBuiltInSurrogate.Accept<TResult>(ISurrogateDerivativeVisitor<TResult> visitor) => visitor.Visit(new TriangleDerivative(Gamma));
    string IBuiltInSurrogate.CudaBody => $"return fmaxf(0.0f, {F((float)Gamma)} - fabsf(u)) / {F((float)(Gamma * Gamma))};";
}

/// <summary>Triangle's derivative on vectors: <c>g(u) = max(0, gamma - |u|) / gamma^2</c>.</summary>
internal readonly struct TriangleDerivative(double gamma) : ISurrogateDerivative
{
    private readonly float _gamma = (float)gamma, _gamma2 = (float)(gamma * gamma);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV> =>
        TV.Max(TV.Zero, TV.Create(_gamma) - TV.Abs(u)) / TV.Create(_gamma2);
}
