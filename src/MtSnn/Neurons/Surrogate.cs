using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>
/// A surrogate gradient: forward is the Heaviside step <c>Step(u) = 1 if u &gt;= 0 else 0</c>; backward uses
/// <c>dStep/du = g(u)</c>. Each surrogate is a small immutable record with its one shape parameter.
/// </summary>
public abstract record Surrogate
{
    /// <summary>The surrogate derivative <c>g(u)</c>, elementwise.</summary>
    public abstract Tensor Derivative(Tensor u);

    /// <summary>The same derivative on one float (used by the fused kernels and by tests).</summary>
    public abstract float Derivative(float u);

    /// <summary>The built-in surrogates' command-line names, for help and messages.</summary>
    public const string BuiltInNames = "atan, sigmoid, rectangle, triangle, piecewise-quadratic, fast-sigmoid";

    /// <summary>Parses a name as typed on the command line (atan, sigmoid, rectangle, triangle, piecewise-quadratic, fast-sigmoid), with an optional parameter.</summary>
    public static Surrogate Parse(string name, double? parameter = null) => name.ToLowerInvariant().Replace("_", "-") switch
    {
        "atan" => new ATan(parameter ?? 2.0),
        "sigmoid" => new Sigmoid(parameter ?? 4.0),
        "rectangle" or "rect" => new Rectangle(parameter ?? 1.0),
        "triangle" => new Triangle(parameter ?? 1.0),
        "piecewise-quadratic" or "piecewisequadratic" => new PiecewiseQuadratic(parameter ?? 1.0),
        "fast-sigmoid" or "fastsigmoid" => new FastSigmoid(parameter ?? 25.0),
        _ => throw new ArgumentException($"unknown surrogate '{name}' (allowed: {BuiltInNames})"),
    };

    /// <summary>Rejects non-positive or non-finite parameters.</summary>
    protected static double Positive(double value, string what) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentException($"surrogate {what} must be finite and > 0 (got {value})");
}

/// <summary>ATan (SpikingJelly's default): <c>g(u) = (alpha/2) / (1 + (pi/2 alpha u)^2)</c>, alpha = 2.</summary>
public sealed record ATan : Surrogate
{
    public ATan(double alpha = 2.0) => Alpha = Positive(alpha, "alpha");
    public double Alpha { get; }
    public override Tensor Derivative(Tensor u) => (Alpha / 2) / (1 + (Math.PI / 2 * Alpha * u).square());
    public override float Derivative(float u) { float x = (float)(Math.PI / 2 * Alpha) * u; return (float)(Alpha / 2) / (1 + x * x); }
}

/// <summary>Sigmoid: <c>g(u) = alpha sigma(alpha u) (1 - sigma(alpha u))</c>, alpha = 4.</summary>
public sealed record Sigmoid : Surrogate
{
    public Sigmoid(double alpha = 4.0) => Alpha = Positive(alpha, "alpha");
    public double Alpha { get; }
    public override Tensor Derivative(Tensor u) { var s = torch.sigmoid(Alpha * u); return Alpha * s * (1 - s); }
    public override float Derivative(float u) { float s = 1f / (1f + MathF.Exp(-(float)Alpha * u)); return (float)Alpha * s * (1 - s); }
}

/// <summary>Rectangle: <c>g(u) = 1/width</c> for <c>|u| &lt; width/2</c>, else 0; width = 1.</summary>
public sealed record Rectangle : Surrogate
{
    public Rectangle(double width = 1.0) => Width = Positive(width, "width");
    public double Width { get; }
    public override Tensor Derivative(Tensor u) => (u.abs() < Width / 2).to_type(u.dtype) / Width;
    public override float Derivative(float u) => MathF.Abs(u) < (float)(Width / 2) ? 1f / (float)Width : 0f;
}

/// <summary>Triangle: <c>g(u) = max(0, gamma - |u|) / gamma^2</c>, gamma = 1.</summary>
public sealed record Triangle : Surrogate
{
    public Triangle(double gamma = 1.0) => Gamma = Positive(gamma, "gamma");
    public double Gamma { get; }
    public override Tensor Derivative(Tensor u) => (Gamma - u.abs()).clamp_min(0) / (Gamma * Gamma);
    public override float Derivative(float u) => MathF.Max(0f, (float)Gamma - MathF.Abs(u)) / (float)(Gamma * Gamma);
}

/// <summary>Piecewise quadratic (SpikingJelly's): <c>g(u) = alpha - alpha^2 |u|</c> for <c>|u| &lt;= 1/alpha</c>, else 0; alpha = 1.</summary>
public sealed record PiecewiseQuadratic : Surrogate
{
    public PiecewiseQuadratic(double alpha = 1.0) => Alpha = Positive(alpha, "alpha");
    public double Alpha { get; }
    public override Tensor Derivative(Tensor u) => (Alpha - Alpha * Alpha * u.abs()).clamp_min(0);
    public override float Derivative(float u) => MathF.Max(0f, (float)Alpha - (float)(Alpha * Alpha) * MathF.Abs(u));
}

/// <summary>Fast sigmoid (snnTorch's): <c>g(u) = 1 / (1 + slope |u|)^2</c>, slope = 25.</summary>
public sealed record FastSigmoid : Surrogate
{
    public FastSigmoid(double slope = 25.0) => Slope = Positive(slope, "slope");
    public double Slope { get; }
    public override Tensor Derivative(Tensor u) => 1.0 / (1 + Slope * u.abs()).square();
    public override float Derivative(float u) { float d = 1 + (float)Slope * MathF.Abs(u); return 1f / (d * d); }
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
