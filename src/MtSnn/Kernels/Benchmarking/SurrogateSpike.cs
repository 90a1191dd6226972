using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Benchmarking;

/// <summary><c>S = Step(u)</c> with the surrogate backward <c>dS/du = g(u)</c>, as a custom autograd function (for the composed reference).</summary>
internal sealed class SurrogateSpike : autograd.SingleTensorFunction<SurrogateSpike>
{
    public override string Name => "MtSnnSurrogateSpike";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var u = (Tensor)vars[0];
        ctx.save_for_backward([u]);
        ctx.save_data("g", vars[1]);
        return u.ge(0).to_type(u.dtype);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var u = ctx.get_saved_variables()[0];
        var g = (Surrogate)ctx.get_data("g");
        return [gradOutput * g.Derivative(u), null!];
    }

    /// <summary>Applies it.</summary>
    public static Tensor Spike(Tensor u, Surrogate g) => apply(u, g);
}
