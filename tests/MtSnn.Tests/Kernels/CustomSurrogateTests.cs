using MtSnn.Kernels;
using MtSnn.Neurons;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels;

/// <summary>
/// A researcher's own surrogate (a subclass of the public abstract <see cref="Surrogate"/>): the auto backend runs it on
/// the composed reference, the fused backend refuses it by name.
/// </summary>
public class CustomSurrogateTests
{
    /// <summary>A Gaussian surrogate, <c>g(u) = exp(-u^2 / (2 s^2)) / (s sqrt(2 pi))</c>, which no fused kernel knows.</summary>
    private sealed record Gaussian(double Sigma) : Surrogate
    {
        public override Tensor Derivative(Tensor u) => (-(u.square()) / (2 * Sigma * Sigma)).exp() / (Sigma * Math.Sqrt(2 * Math.PI));
        public override float Derivative(float u) => (float)(Math.Exp(-u * u / (2 * Sigma * Sigma)) / (Sigma * Math.Sqrt(2 * Math.PI)));
    }

    public CustomSurrogateTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Auto_runs_a_custom_surrogate_on_the_reference_with_its_gradient()
    {
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 2, Dynamics = Dynamics.LIF, Surrogate = new Gaussian(0.5) };
        var x = randn([3, 2, 5], generator: new Generator(3));
        Assert.Equal(NeuronBackend.Reference, NeuronDispatch.Choose(x, NeuronBackend.Auto, storeMembrane: false, o.Surrogate));
        Assert.Contains("Gaussian", NeuronDispatch.LastFallbackReason);

        (Tensor Out, Tensor Grad) RunWith(NeuronBackend b)
        {
            using var node = new MultiThresholdNode(o) { Backend = b };
            var xi = x.detach().requires_grad_(true);
            var output = node.forward(xi);
            output.sum().backward();
            return (output.detach().MoveToOuterDisposeScope(), xi.grad!.detach().MoveToOuterDisposeScope());
        }
        var (autoOut, autoGrad) = RunWith(NeuronBackend.Auto);
        var (refOut, refGrad) = RunWith(NeuronBackend.Reference);
        Assert.True(autoOut.equal(refOut).all().item<bool>());
        Assert.True(autoGrad.allclose(refGrad));
        // the gradient is the Gaussian's, not the default ATan's
        using var atanNode = new MultiThresholdNode(o with { Surrogate = new ATan() }) { Backend = NeuronBackend.Reference };
        var xa = x.detach().requires_grad_(true);
        atanNode.forward(xa).sum().backward();
        Assert.False(xa.grad!.allclose(autoGrad));
    }

    [Fact]
    public void Fused_refuses_a_custom_surrogate_by_name()
    {
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Surrogate = new Gaussian(0.5) };
        using var node = new MultiThresholdNode(o) { Backend = NeuronBackend.Fused };
        var e = Assert.Throws<NotSupportedException>(() => node.forward(randn([2, 3])));
        Assert.Contains("surrogate Gaussian", e.Message);
        Assert.Contains("atan, sigmoid", e.Message);
        Assert.False(Surrogates.HasFusedForm(new Gaussian(1)));
        Assert.True(Surrogates.HasFusedForm(new FastSigmoid()));
    }
}
