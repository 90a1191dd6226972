using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>
/// The spike nonlinearity as a custom autograd function: forward <c>S = Step(u) = 1 if u &gt;= 0 else 0</c>
/// (in <c>u</c>'s dtype), backward <c>dL/du = dL/dS * g(u)</c> with <c>g</c> the surrogate derivative
/// (MT-SNN.md §2, "Surrogate gradient"). Call it through <see cref="Apply"/>.
/// </summary>
public sealed class SurrogateStep : autograd.SingleTensorFunction<SurrogateStep>
{
    private const string SurrogateKey = "surrogate";

    /// <summary><c>S = Step(u)</c>; in backward <c>dS/du = surrogate.Derivative(u)</c>.</summary>
    public static Tensor Apply(Tensor u, Surrogate surrogate) => apply(u, surrogate);

    /// <inheritdoc/>
    public override string Name => "MtSnnSurrogateStep";

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var u = (Tensor)vars[0];
        ctx.save_for_backward([u]);
        ctx.save_data(SurrogateKey, vars[1]);
        return u.ge(0).to_type(u.dtype);
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var scope = NewDisposeScope();
        var u = ctx.get_saved_variables()[0];
        var surrogate = (Surrogate)ctx.get_data(SurrogateKey);
        var gradU = (grad_output * surrogate.Derivative(u)).MoveToOuterDisposeScope();
        // one gradient per forward argument; the surrogate (not a tensor) gets none
        return [gradU, null!];
    }
}
