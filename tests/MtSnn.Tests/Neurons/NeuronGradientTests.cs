using MtSnn.Neurons;
using TorchSharp;
using Xunit;
using static MtSnn.Tests.Neurons.NeuronTestTensors;
using static TorchSharp.torch;

namespace MtSnn.Tests.Neurons;

/// <summary>
/// Backward of the reference against the chain rule written out by hand. Surrogate: ATan(alpha = 2), whose
/// derivative is <c>g(u) = (alpha/2) / (1 + (pi/2 alpha u)^2) = 1 / (1 + (pi u)^2)</c>, coded here independently.
/// </summary>
public class NeuronGradientTests
{
    public NeuronGradientTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    internal static double G(double u) => 1.0 / (1.0 + Math.PI * u * Math.PI * u);

    private static double[] InputGradient(NeuronOptions options, double[] x, Func<NeuronTrace, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        var input = Sequence(x).requires_grad_();
        var trace = ReferenceNeuron.MultiStep(input, zeros(1, dtype: float64), options);
        loss(trace).backward();
        return Values(input.grad!);
    }

    private static void Near(double expected, double actual, double tolerance = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected}, got {actual}");

    // dO/dH of a K = 2 pow2 cascade (theta = V_th (1, 1/2), lambda = (1, 1/2)) at potential h:
    //   S1 = Step(u1), u1 = h - V_th;  R2 = h - V_th S1;  S2 = Step(u2), u2 = R2 - V_th / 2
    //   dS1/dh = g(u1);  dR2/dh = 1 - V_th g(u1);  dS2/dh = g(u2) (1 - V_th g(u1))
    //   dO/dh = 1 * dS1/dh + 1/2 * dS2/dh
    private static double CascadeK2DoDh(double h, double vth, out double o)
    {
        double u1 = h - vth, s1 = u1 >= 0 ? 1 : 0, u2 = h - vth * s1 - vth / 2, s2 = u2 >= 0 ? 1 : 0;
        o = s1 + 0.5 * s2;
        return G(u1) + 0.5 * G(u2) * (1 - vth * G(u1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cascade_T1_ThroughLevelsResidualAndReset(bool detachReset)
    {
        // IF, T = 1, x = 1.3: u1 = 0.3 (S1 = 1), R2 = 0.3, u2 = -0.2 (S2 = 0), O = 1, V = H - O = 0.3.
        // L = O + 3 V:  dL/dx = dO/dH + 3 dV/dH,  dV/dH = 1 - dO/dH (soft reset, V_th = 1) or 1 when detached.
        var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 2, DetachReset = detachReset };
        double dO = CascadeK2DoDh(1.3, 1, out _);
        Near(G(0.3) + 0.5 * G(-0.2) * (1 - G(0.3)), dO); // the helper spelled out once
        double expected = dO + 3 * (detachReset ? 1 : 1 - dO);
        var grad = InputGradient(options, [1.3], t => t.O.sum() + 3 * t.VLast.sum());
        Near(expected, grad[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cascade_LIF_T2_ThroughTime(bool detachReset)
    {
        // LIF tau = 2: H = V + (X - V)/2, dH/dX = 1/2, dH/dV = 1/2. x = [2.6, 1.1]:
        // t0: H0 = 1.3 -> O0 = 1, V0 = 0.3;  t1: H1 = 0.3 + (1.1 - 0.3)/2 = 0.7 -> S1 = 0, R2 = 0.7, S2 = 1, O1 = 0.5
        // L = O0 + O1:  dL/dx1 = D1 / 2;  dL/dx0 = (D0 + D1 * 1/2 * dV0/dH0) / 2,
        // with D_t = dO_t/dH_t and dV0/dH0 = 1 - D0 (or 1 when the reset is detached).
        var options = new NeuronOptions { Dynamics = Dynamics.LIF, Tau = 2, Mode = FiringMode.Cascade, Levels = 2, DetachReset = detachReset };
        double d0 = CascadeK2DoDh(1.3, 1, out double o0), d1 = CascadeK2DoDh(0.7, 1, out double o1);
        Assert.Equal((1.0, 0.5), (o0, o1));
        double dV0 = detachReset ? 1 : 1 - d0;
        var grad = InputGradient(options, [2.6, 1.1], t => t.O.sum());
        Near((d0 + d1 * 0.5 * dV0) / 2, grad[0]);
        Near(d1 / 2, grad[1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parallel_HardReset_T2_ThroughAnySpike(bool detachReset)
    {
        // K = 2 uniform: theta = 1, 0.5, lambda = 0.5 each; IF; hard reset to 0. x = [0.7, 0.6]:
        // t0: H0 = 0.7: u = -0.3 (S1 = 0), 0.2 (S2 = 1); O0 = 0.5; S_any = S_K = S2 = 1 (the lowest threshold), V0 = 0
        // t1: H1 = 0.6: u = -0.4, 0.1; O1 = 0.5
        // D_t = dO_t/dH_t = 0.5 g(H - 1) + 0.5 g(H - 0.5)
        // V0 = H0 (1 - S_any) + 0 * S_any:  dV0/dH0 = (1 - S_any) - H0 dS_any/dH0,
        //   dS_any/dH0 = dS2/dH0 = g(0.2)   -> dV0/dH0 = -0.7 g(0.2); detached: 1 - S_any = 0
        // L = O0 + O1: dL/dx1 = D1; dL/dx0 = D0 + D1 dV0/dH0
        var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Parallel, Levels = 2, Reset = ResetMode.Hard, DetachReset = detachReset };
        double d0 = 0.5 * G(-0.3) + 0.5 * G(0.2), d1 = 0.5 * G(-0.4) + 0.5 * G(0.1);
        double dV0 = detachReset ? 0 : -0.7 * G(0.2);
        var grad = InputGradient(options, [0.7, 0.6], t => t.O.sum());
        Near(d0 + d1 * dV0, grad[0]);
        Near(d1, grad[1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Single_HardReset_T2(bool detachReset)
    {
        // IF, V_th = 1, x = [1.2, 0.5]: H0 = 1.2 -> S0 = 1, V0 = 0; H1 = 0.5 -> S1 = 0.
        // dV0/dH0 = (1 - S0) + (V_reset - H0) g(0.2) = -1.2 g(0.2) (detached: 0)
        var options = new NeuronOptions { Dynamics = Dynamics.IF, DetachReset = detachReset };
        var grad = InputGradient(options, [1.2, 0.5], t => t.O.sum());
        Near(G(0.2) + G(-0.5) * (detachReset ? 0 : -1.2 * G(0.2)), grad[0]);
        Near(G(-0.5), grad[1]);
    }

    [Fact]
    public void Cascade_EachLevelSeparately()
    {
        // One step, IF, K = 3 pow2, x = 1.6: u1 = 0.6 (S1 = 1), R2 = 0.6, u2 = 0.1 (S2 = 1), R3 = 0.1, u3 = -0.15 (S3 = 0).
        // dS1/dx = g(u1); dS2/dx = g(u2)(1 - g(u1));
        // dS3/dx = g(u3) dR3/dx, dR3/dx = dR2/dx - 0.5 dS2/dx = (1 - g(u1)) - 0.5 g(u2)(1 - g(u1))
        var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 3 };
        double g1 = G(0.6), g2 = G(0.6 - 1 - 0.5 + 1), g3 = G(0.1 - 0.5 - 0.25 + 0.5);
        Near(G(0.1), g2, 1e-15); Near(G(-0.15), g3, 1e-12);
        double[] expected = [g1, g2 * (1 - g1), g3 * ((1 - g1) - 0.5 * g2 * (1 - g1))];
        for (int k = 0; k < 3; k++)
        {
            using var scope = NewDisposeScope();
            var x = tensor(new[] { 1.6 }, dtype: float64).requires_grad_();
            var step = ReferenceNeuron.Step(x, zeros(1, dtype: float64), options);
            Assert.Equal(k < 2 ? 1.0 : 0.0, Values(step.Spikes[k])[0]);
            step.Spikes[k].sum().backward();
            Near(expected[k], Values(x.grad!)[0]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainableVThreshold_Cascade(bool detachReset)
    {
        // V_th = 1.25 trainable, K = 2 pow2 cascade, IF, x = 1.7 (T = 1):
        //   u1 = 1.7 - 1.25 = 0.45 (S1 = 1); R2 = 1.7 - 1.25 S1 = 0.45; u2 = R2 - 0.625 = -0.175 (S2 = 0); O = 1
        //   dS1/dV = -1 * g(u1)                                  (theta_1 = V_th * 1)
        //   dR2/dV = -lambda1 S1 - V_th lambda1 dS1/dV = -1 + 1.25 g(u1)
        //   dS2/dV = g(u2) (dR2/dV - 1/2)                        (theta_2 = V_th * 1/2)
        //   dO/dV = dS1/dV + 1/2 dS2/dV
        // L = O + V with V = H - V_th O:  dV/dV_th = -O - V_th dO/dV (detached: -O)
        double vth = 1.25, u1 = 0.45, u2 = -0.175;
        double dS1 = -G(u1), dR2 = -1 + vth * G(u1), dS2 = G(u2) * (dR2 - 0.5), dO = dS1 + 0.5 * dS2;
        double expected = dO + (detachReset ? -1 : -1 - vth * dO);

        var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 2, VThreshold = vth, TrainableVThreshold = true, DetachReset = detachReset };
        using var node = new MultiThresholdNode(options);
        node.to(float64);
        Assert.Same(node.VThresholdParam, node.parameters().Single());
        Assert.Equal(ScalarType.Float64, node.VThresholdParam!.dtype);
        using var scope = NewDisposeScope();
        var trace = ReferenceNeuron.MultiStep(Sequence(1.7), zeros(1, dtype: float64), options, vth: node.VThresholdParam);
        (trace.O.sum() + trace.VLast.sum()).backward();
        Near(expected, Values(node.VThresholdParam.grad!)[0]);

        // the module's own forward routes the same parameter: dO/dV_th alone
        node.zero_grad();
        node.forward(Sequence(1.7)).sum().backward();
        Near(dO, Values(node.VThresholdParam.grad!)[0]);
    }

    [Fact]
    public void PlifA_T2_SoftReset()
    {
        // PLIF tau0 = 2: a = 0, s = sigmoid(a) = 1/2, ds/da = s (1 - s) = 1/4. Single firing, soft reset, x = [2.4, 1.0]:
        // t0: H0 = 0 + (2.4 - 0) s = 1.2 -> S = 1 (u = 0.2), V0 = 0.2
        // t1: H1 = V0 + (1.0 - V0) s = 0.6 -> S = 0 (u = -0.4)
        // dH0/da = (2.4 - 0) / 4 = 0.6;  dV0/da = dH0/da (1 - g(0.2))
        // dH1/da = dV0/da (1 - s) + (1.0 - V0) / 4
        // L = O0 + O1: dL/da = g(0.2) dH0/da + g(-0.4) dH1/da
        double dH0 = 0.6, dV0 = dH0 * (1 - G(0.2)), dH1 = dV0 * 0.5 + 0.8 * 0.25;
        double expected = G(0.2) * dH0 + G(-0.4) * dH1;

        using var node = new MultiThresholdNode(new NeuronOptions { Dynamics = Dynamics.PLIF, Tau = 2, Reset = ResetMode.Soft });
        node.to(float64);
        Assert.Same(node.PlifA, node.parameters().Single());
        Assert.Equal(0.0, Values(node.PlifA!)[0]);
        using var scope = NewDisposeScope();
        var o = node.forward(Sequence(2.4, 1.0));
        Close([1, 0], o, 0, "O");
        o.sum().backward();
        Near(expected, Values(node.PlifA!.grad!)[0]);
    }
}
