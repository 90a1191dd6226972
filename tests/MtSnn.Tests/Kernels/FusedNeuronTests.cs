using MtSnn.Kernels;
using MtSnn.Neurons;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels;

/// <summary>The autograd function and its dispatch point, against hand-worked values and the op-composed neuron.</summary>
public class FusedNeuronTests
{
    public FusedNeuronTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Cascade_pow2_hand_worked()
    {
        // IF, cascade, K = 3 (theta = 1, 0.5, 0.25; lambda = 1, 0.5, 0.25), soft reset, V[-1] = 0.
        // t=0: H = 0.8 -> S = (0,1,1) (0.8>=0.5, residual 0.3>=0.25) -> O = 0.75, V = 0.05
        // t=1: H = 0.05 + 0.7 = 0.75 -> S = (0,1,1) (residual exactly 0.25) -> O = 0.75, V = 0
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 3 };
        var r = FusedNeuron.MultiStep(tensor(new float[] { 0.8f, 0.7f }).reshape(2, 1), zeros(1), o, withSpikes: true);
        Assert.Equal([0.75f, 0.75f], r.Output.data<float>().ToArray());
        Assert.Equal(0f, r.VLast.item<float>(), 6);
        Assert.Equal(new byte[] { 0, 1, 1, 0, 1, 1 }, r.Spikes!.data<byte>().ToArray());
        Assert.Equal(new long[] { 2, 3, 1 }, r.Spikes.shape);
    }

    [Fact]
    public void Parallel_uniform_hard_reset_hand_worked()
    {
        // LIF tau = 2, decay_input, V[-1] = 0: H = X/2 = 0.6; thresholds 1, .75, .5, .25 -> two levels -> O = 2/4; hard reset -> V = 0
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Mode = FiringMode.Parallel, Levels = 4, Reset = ResetMode.Hard };
        var r = FusedNeuron.MultiStep(tensor(new float[] { 1.2f, 0.2f }).reshape(1, 2), zeros(2), o);
        Assert.Equal([0.5f, 0f], r.Output.data<float>().ToArray());
        Assert.Equal([0f, 0.1f], r.VLast.data<float>().ToArray());
    }

    public static TheoryData<FiringMode, int, ResetMode, bool, Dynamics, BackwardState> Configurations() => new()
    {
        { FiringMode.Cascade, 4, ResetMode.Soft, false, Dynamics.PLIF, BackwardState.Recompute },
        { FiringMode.Cascade, 3, ResetMode.Hard, false, Dynamics.LIF, BackwardState.StoreH },
        { FiringMode.Parallel, 4, ResetMode.Soft, true, Dynamics.PLIF, BackwardState.StoreH },
        { FiringMode.Parallel, 2, ResetMode.Hard, false, Dynamics.IF, BackwardState.Recompute },
        { FiringMode.Single, 1, ResetMode.Hard, true, Dynamics.LIF, BackwardState.Recompute },
    };

    /// <summary>
    /// Non-contiguous input (a transposed tensor), trainable V_th and PLIF a, gradients of X, V[-1], a, V_th against
    /// TorchSharp autograd of the composed reference <see cref="ReferenceNeuron"/>. Inputs are multiples of 1/64 and tau = 2 / a = 0, so both
    /// forwards are exact in float and fire identically; gradients agree within 1e-5 (abs + rel).
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void Autograd_matches_the_composed_reference_neuron(FiringMode mode, int levels, ResetMode reset, bool detach, Dynamics dyn, BackwardState state)
    {
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Dynamics = dyn, Mode = mode, Levels = levels, Reset = reset, DetachReset = detach, Tau = 2, TrainableVThreshold = true, Surrogate = new Sigmoid() };
        var gen = new Generator(42);
        var xb = (randint(-32, 96, [3, 4, 5], generator: gen).to_type(float32) / 64).transpose(0, 1);   // [T=4, B=3, 5], non-contiguous
        Assert.False(xb.is_contiguous());
        var v0 = (randint(-8, 16, [3, 5], generator: gen).to_type(float32) / 64);
        var w = randn([4, 3, 5], generator: gen);
        var wv = randn([3, 5], generator: gen);

        (Tensor gx, Tensor gv, Tensor ga, Tensor gth, Tensor o_, Tensor vl) Run(bool fused)
        {
            var x = xb.detach().requires_grad_(true);
            var v = v0.detach().requires_grad_(true);
            var a = tensor(0f).requires_grad_(true);
            var th = tensor(1f).requires_grad_(true);
            var (output, vLast) = fused
                ? FusedNeuron.MultiStep(x, v, o, dyn == Dynamics.PLIF ? a : null, th, state: state) is var r ? (r.Output, r.VLast) : default
                : ReferenceNeuron.MultiStep(x, v, o, dyn == Dynamics.PLIF ? a : null, th) is var t ? (t.O, t.VLast) : default;
            ((output * w).sum() + (vLast * wv).sum()).backward();
            return (x.grad!, v.grad!, dyn == Dynamics.PLIF ? a.grad! : zeros(1), th.grad!, output.detach(), vLast.detach());
        }
        var f = Run(true);
        var c = Run(false);
        Assert.Equal(c.o_.data<float>().ToArray(), f.o_.data<float>().ToArray());
        AssertClose(c.vl, f.vl, "V_last");
        AssertClose(c.gx, f.gx, "dL/dX");
        AssertClose(c.gv, f.gv, "dL/dV0");
        AssertClose(c.ga, f.ga, "dL/da");
        AssertClose(c.gth, f.gth, "dL/dV_th");
        Assert.Equal(xb.shape, f.gx.shape);
    }

    [Fact]
    public void One_element_v0_broadcasts_and_its_gradient_is_the_sum()
    {
        // IF, single (theta = 1), hard reset, V_reset = 0, one step from a shared V[-1] = 0.25; L = sum V_last.
        // V = H (1 - S) with S = Step(H - 1), so dV/dH = (1 - S) - H g(H - 1); Rectangle(width 1): g = 1 if |u| < 0.5.
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Dynamics = Dynamics.IF, Surrogate = new Rectangle(1.0) };
        var v0 = tensor(0.25f).requires_grad_(true);
        var x = tensor(new float[] { 0.5f, 0f }).reshape(1, 2);
        var r = FusedNeuron.MultiStep(x, v0, o);
        r.VLast.sum().backward();
        // neuron 0: H = 0.75, |H - 1| < 0.5 so g = 1: dV/dH = (1 - 0) + (0 - 0.75) * 1 = 0.25
        // neuron 1: H = 0.25, |H - 1| = 0.75 >= 0.5 so g = 0: dV/dH = 1
        Assert.Equal(1.25f, v0.grad!.item<float>(), 5);
        Assert.Equal(0, v0.grad.dim());
    }

    [Fact]
    public void Refuses_what_it_cannot_run()
    {
        using var scope = NewDisposeScope();
        var o = new NeuronOptions();
        var e = Assert.Throws<NotSupportedException>(() => FusedNeuron.MultiStep(zeros([2, 3], float64), zeros(3, float64), o));
        Assert.Contains("float32 CPU", e.Message);
        Assert.Throws<ArgumentException>(() => FusedNeuron.MultiStep(zeros(2, 3), zeros(4), o));
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var e = expected.to_type(float64).flatten().data<double>().ToArray();
        var a = actual.to_type(float64).flatten().data<double>().ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 * (1 + Math.Abs(e[i])), $"{what}[{i}]: composed {e[i]:R}, fused {a[i]:R}");
    }
}
