using System.Runtime.CompilerServices;
using MtSnn.Kernels;
using static MtSnn.Kernels.Cuda.CudaKernelSource;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>Rectangle: <c>g(u) = 1/width</c> for <c>|u| &lt; width/2</c>, else 0; width = 1.</summary>
public sealed record Rectangle : Surrogate, IBuiltInSurrogate
{
    /// <summary>The registry entry.</summary>
    public static SurrogateKind Kind { get; } = new("rectangle", "width", 1.0, w => new Rectangle(w), "rect");
    public Rectangle(double width = 1.0) => Width = Positive(width, "width");
    public double Width { get; }
    public override Tensor Derivative(Tensor u) => (u.abs() < Width / 2).to_type(u.dtype) / Width;
    public override float Derivative(float u) => MathF.Abs(u) < (float)(Width / 2) ? 1f / (float)Width : 0f;
    SurrogateKind IBuiltInSurrogate.Kind => Kind;
    double IBuiltInSurrogate.Parameter => Width;
    TResult IBuiltInSurrogate.Accept<TResult>(ISurrogateDerivativeVisitor<TResult> visitor) => visitor.Visit(new RectangleDerivative(Width));
    string IBuiltInSurrogate.CudaBody => $"return fabsf(u) < {F((float)(Width / 2))} ? {F(1f / (float)Width)} : 0.0f;";
}

/// <summary>Rectangle's derivative on vectors: <c>g(u) = 1/width</c> for <c>|u| &lt; width/2</c>, else 0.</summary>
internal readonly struct RectangleDerivative(double width) : ISurrogateDerivative
{
    private readonly float _half = (float)(width / 2), _height = 1f / (float)width;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV> =>
        TV.LessThan(TV.Abs(u), TV.Create(_half)) & TV.Create(_height);
}
