using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>
/// A surrogate gradient: forward is the Heaviside step <c>Step(u) = 1 if u &gt;= 0 else 0</c>; backward uses
/// <c>dStep/du = g(u)</c>. Each surrogate is a small immutable record with its one shape parameter. The built-in ones
/// (one file each in this folder, listed in <see cref="Surrogates"/>) also carry the fused kernels' forms; a
/// researcher's own subclass has only these two and runs on the composed reference.
/// </summary>
public abstract record Surrogate
{
    /// <summary>The surrogate derivative <c>g(u)</c>, elementwise.</summary>
    public abstract Tensor Derivative(Tensor u);

    /// <summary>The same derivative on one float (used by the fused kernels and by tests).</summary>
    public abstract float Derivative(float u);

    /// <summary>Rejects non-positive or non-finite parameters.</summary>
    protected static double Positive(double value, string what) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentException($"surrogate {what} must be finite and > 0 (got {value})");
}

/// <summary>
/// One level's surrogate (see <see cref="SurrogateWidth"/>): <c>g_k(u) = m_k g(u / s_k)</c>, computed as
/// <c>m_k g(u (1 / s_k))</c> with <c>1 / s_k</c> and <c>m_k</c> rounded to float, exactly as the fused kernels do.
/// </summary>
public sealed record LevelSurrogate : Surrogate
{
    public LevelSurrogate(Surrogate inner, double width, double gain)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        Width = Positive(width, "level width");
        Gain = Positive(gain, "level gain");
    }
    /// <summary>The surrogate g being scaled.</summary>
    public Surrogate Inner { get; }
    /// <summary><c>s_k</c>.</summary>
    public double Width { get; }
    /// <summary><c>m_k</c>.</summary>
    public double Gain { get; }
    public override Tensor Derivative(Tensor u) => Inner.Derivative(u * (float)(1.0 / Width)) * (float)Gain;
    public override float Derivative(float u) => Inner.Derivative(u * (float)(1.0 / Width)) * (float)Gain;
}
