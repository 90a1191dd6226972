using CsCheck;
using MtSnn.Neurons;
using TorchSharp;
using Xunit;
using static MtSnn.Tests.Neurons.NeuronTestTensors;
using static TorchSharp.torch;

namespace MtSnn.Tests.Neurons;

/// <summary>State handling: multi-step equals T single steps, ResetState and ResetNet really reset.</summary>
public class NeuronStateTests
{
    public NeuronStateTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static readonly Gen<NeuronOptions> Options =
        from dynamics in Gen.OneOfConst(Dynamics.IF, Dynamics.LIF, Dynamics.PLIF)
        from mode in Gen.OneOfConst(FiringMode.Single, FiringMode.Parallel, FiringMode.Cascade)
        from levels in Gen.Int[1, 4]
        from reset in Gen.OneOfConst(ResetMode.Soft, ResetMode.Hard)
        from detach in Gen.Bool
        from trainable in Gen.Bool
        select new NeuronOptions
        {
            Dynamics = dynamics, Mode = mode, Levels = mode == FiringMode.Single ? 1 : levels, Reset = reset,
            DetachReset = detach, TrainableVThreshold = trainable, Surrogate = new Sigmoid(),
        };

    [Fact]
    public void MultiStep_Equals_TSingleSteps_ForwardAndBackward()
    {
        Gen.Select(Options, Gen.Int[1, 5], Gen.Double[-1.0, 3.0].Array[20]).Sample((options, steps, values) =>
        {
            using var scope = NewDisposeScope();
            var data = tensor(values.Take(steps * 4).ToArray(), dtype: float64).reshape(steps, 4);
            var weights = arange(1, steps * 4 + 1, dtype: float64).reshape(steps, 4); // a loss that tells steps apart

            using var multi = new MultiThresholdNode(options with { StepMode = StepMode.Multi }) { RecordSpikes = true };
            multi.to(float64);
            var xm = data.clone().requires_grad_();
            var om = multi.forward(xm);
            (om * weights).sum().backward();

            using var single = new MultiThresholdNode(options with { StepMode = StepMode.Single }) { RecordSpikes = true };
            single.to(float64);
            var xs = data.clone().requires_grad_();
            var os = new List<Tensor>();
            var planes = new List<Tensor>();
            for (int t = 0; t < steps; t++)
            {
                os.Add(single.forward(xs[t]));
                Assert.Equal([options.Levels, 4], single.LastSpikes!.shape);
                planes.Add(single.LastSpikes!.clone());
            }
            var oSingle = stack(os);
            (oSingle * weights).sum().backward();

            Assert.Equal(Values(om), Values(oSingle)); // bit-exact
            Assert.Equal(Values(multi.LastSpikes!), Values(stack(planes)));
            Assert.True(xm.grad!.allclose(xs.grad!, rtol: 1e-12, atol: 1e-12), $"{options}: input gradients differ");
            foreach (var (pm, ps) in multi.parameters().Zip(single.parameters()))
                Assert.True(pm.grad!.allclose(ps.grad!, rtol: 1e-12, atol: 1e-12), $"{options}: parameter gradients differ");
        }, iter: 60, threads: 1);
    }

    [Fact]
    public void StateCarriesOver_UntilResetState()
    {
        // IF, V_th = 1, one step of 0.625: first call H = 0.625 (O = 0, V = 0.625); a second call without reset
        // has H = 1.25 and fires; after ResetState it repeats the first call.
        using var node = new MultiThresholdNode(new NeuronOptions { Dynamics = Dynamics.IF });
        var x = Sequence(0.625);
        Close([0], node.forward(x), 0);
        Close([1], node.forward(x), 0);
        node.ResetState();
        Close([0], node.forward(x), 0);
    }

    [Fact]
    public void ResetState_SecondRunEqualsFirst()
    {
        Gen.Select(Options, Gen.Double[-1.0, 3.0].Array[12]).Sample((options, values) =>
        {
            using var scope = NewDisposeScope();
            using var node = new MultiThresholdNode(options);
            var x = tensor(values, dtype: float32).reshape(4, 3);
            var first = node.forward(x);
            node.ResetState();
            Assert.Equal(Values(first), Values(node.forward(x)));
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void ResetNet_ResetsNestedNodes()
    {
        // two single-step IF nodes, one nested in an inner Sequential; each first sees 0.625 (no spike, V = 0.625)
        var options = new NeuronOptions { Dynamics = Dynamics.IF, StepMode = StepMode.Single };
        using var outer = new MultiThresholdNode(options, "outer");
        using var inner = new MultiThresholdNode(options, "inner");
        using var net = nn.Sequential(("scale", nn.Identity()), ("outer", outer), ("block", nn.Sequential(("inner", inner))));
        var x = full(2, 0.625, dtype: float32);
        Close([0, 0], outer.forward(x), 0);
        Close([0, 0], inner.forward(x), 0);
        Close([1, 1], outer.forward(x), 0); // state kept: H = 1.25
        SpikingFunctional.ResetNet(net);
        Close([0, 0], outer.forward(x), 0);
        Close([0, 0], inner.forward(x), 0); // nested node was reset too (else H = 1.25, O = 1)
        SpikingFunctional.ResetNet(inner); // a node itself
        Close([0, 0], inner.forward(x), 0);
    }

    [Fact]
    public void State_SurvivesTheCallersDisposeScopes()
    {
        // single-step IF, 0.625 per step, each call in its own scope: step 2 sees H = 1.25 and fires, and backward
        // through both steps still works. Rectangle width 1: g(u) = 1 for |u| < 0.5. Hard reset (single's default):
        // V1 = H1 (1 - S1) + 0 * S1, dV1/dH1 = (1 - S1) - H1 g(H1 - 1) = 1 - 0.625 * g(-0.375) = 0.375
        // dO2/dx1 = g(H2 - 1) dV1/dH1 = g(0.25) * 0.375 = 0.375
        using var node = new MultiThresholdNode(new NeuronOptions { Dynamics = Dynamics.IF, StepMode = StepMode.Single, Surrogate = new Rectangle(1) });
        var x1 = full(1, 0.625, dtype: float64).requires_grad_();
        using (NewDisposeScope()) Close([0], node.forward(x1), 0);
        using (NewDisposeScope())
        {
            var o2 = node.forward(full(1, 0.625, dtype: float64));
            Close([1], o2, 0);
            o2.sum().backward();
        }
        Close([0.375], x1.grad!, 1e-12);
    }

    [Fact]
    public void StateShapeMismatch_IsRejected()
    {
        using var node = new MultiThresholdNode(new NeuronOptions { StepMode = StepMode.Single });
        node.forward(zeros(2, 3));
        var e = Assert.Throws<ArgumentException>(() => node.forward(zeros(4, 3)));
        Assert.Contains("call ResetState() between batches", e.Message);
        node.ResetState();
        Assert.Equal([4, 3], node.forward(zeros(4, 3)).shape);
    }

    [Fact]
    public void Recordings_OnlyWhenAsked_AndDtypeFollowsInput()
    {
        using var node = new MultiThresholdNode(new NeuronOptions { Mode = FiringMode.Cascade, Levels = 2 });
        var o = node.forward(full(new long[] { 3, 2, 5 }, 0.8f));
        Assert.Equal(ScalarType.Float32, o.dtype);
        Assert.Equal([3, 2, 5], o.shape);
        Assert.Null(node.LastSpikes);
        Assert.Null(node.LastLevelRates);
        Assert.Null(node.LastH);
        Assert.Null(node.LastV);
        node.RecordSpikes = true;
        node.ResetState();
        var o64 = node.forward(full(new long[] { 3, 2, 5 }, 0.8, dtype: float64));
        Assert.Equal(ScalarType.Float64, o64.dtype);
        Assert.Equal([3, 2, 2, 5], node.LastSpikes!.shape);
        Assert.False(node.LastSpikes.requires_grad);
        Assert.Equal(2, node.LastLevelRates!.Length);
    }
}
