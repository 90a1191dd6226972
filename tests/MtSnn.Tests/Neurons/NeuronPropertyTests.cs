using CsCheck;
using MtSnn.Neurons;
using Xunit;
using static MtSnn.Tests.Neurons.NeuronTestTensors;
using static TorchSharp.torch;

namespace MtSnn.Tests.Neurons;

/// <summary>Properties of the reference neuron on random options and inputs (float64, B = 3 neurons).</summary>
public class NeuronPropertyTests
{
    private const int Batch = 3;
    private const long Iterations = 120;

    public NeuronPropertyTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    /// <summary>Runs the reference over <c>x</c> laid out <c>[T, batch]</c>, from V[-1] = V_init, storing H and V.</summary>
    private static (double[] O, double[] H, double[] V) Run(NeuronOptions o, double[] x, int batch = Batch)
    {
        using var scope = NewDisposeScope();
        var input = tensor(x, dtype: float64).reshape(-1, batch);
        var plifA = o.Dynamics == Dynamics.PLIF ? tensor(-Math.Log(o.Tau - 1), dtype: float64) : null;
        var trace = ReferenceNeuron.MultiStep(input, full(batch, o.EffectiveVInit, dtype: float64), o, plifA, storeMembrane: true);
        return (Values(trace.O), Values(trace.H!), Values(trace.V!));
    }

    private static readonly Gen<double[]> Inputs =
        from steps in Gen.Int[1, 6]
        from x in Gen.Double[-1.0, 3.0].Array[steps * Batch]
        select x;

    /// <summary>Any valid options: every dynamics, mode, preset (explicit ones strictly descending) and reset.</summary>
    private static readonly Gen<NeuronOptions> AnyOptions =
        from dynamics in Gen.OneOfConst(Dynamics.IF, Dynamics.LIF, Dynamics.PLIF)
        from mode in Gen.OneOfConst(FiringMode.Single, FiringMode.Parallel, FiringMode.Cascade)
        from levels in Gen.Int[1, 5]
        from preset in Gen.OneOfConst(ThresholdPreset.Pow2, ThresholdPreset.Uniform, ThresholdPreset.Explicit)
        from gaps in Gen.Double[0.05, 0.6].Array[levels]
        from weights in Gen.Double[0.1, 1.5].Array[levels]
        from vth in Gen.Double[0.5, 2.0]
        from tau in Gen.Double[1.5, 6.0]
        from reset in Gen.OneOfConst(ResetMode.Soft, ResetMode.Hard)
        from detach in Gen.Bool
        select mode == FiringMode.Single
            ? new NeuronOptions { Dynamics = dynamics, VThreshold = vth, Tau = tau, Reset = reset, DetachReset = detach }
            : new NeuronOptions
            {
                Dynamics = dynamics, Mode = mode, Levels = levels, Preset = preset, VThreshold = vth, Tau = tau, Reset = reset, DetachReset = detach,
                // theta_K = gap_K, theta_k = theta_{k+1} + gap_k: strictly descending, positive
                Thresholds = preset == ThresholdPreset.Explicit ? [.. Enumerable.Range(0, levels).Select(k => gaps.Skip(k).Sum())] : [],
                Weights = preset == ThresholdPreset.Explicit ? [.. weights] : [],
            };

    [Fact]
    public void K1_ParallelAndCascade_EqualPlainSingleThresholdNeuron()
    {
        Gen.Select(Gen.OneOfConst(Dynamics.IF, Dynamics.LIF, Dynamics.PLIF), Gen.Double[1.5, 6.0], Gen.Double[0.5, 2.0], Inputs)
        .Sample((dynamics, tau, vth, x) =>
        {
            var single = new NeuronOptions { Dynamics = dynamics, Tau = tau, VThreshold = vth, Reset = ResetMode.Soft };
            // the plain neuron, written out: H = V + X (IF) or V + (X - V) / tau (LIF; PLIF starts at tau0);
            // S = [H >= V_th]; V = H - V_th S
            var expected = new double[x.Length];
            var v = new double[Batch];
            bool nearThreshold = false;
            for (int i = 0; i < x.Length; i++)
            {
                ref double vi = ref v[i % Batch];
                double h = dynamics == Dynamics.IF ? vi + x[i] : vi + (x[i] - vi) / tau;
                nearThreshold |= Math.Abs(h - vth) < 1e-9;
                expected[i] = h >= vth ? 1 : 0;
                vi = h - vth * expected[i];
            }
            if (nearThreshold) return; // a last-bit difference could flip the spike
            var o = Run(single, x).O;
            Assert.Equal(expected, o);
            Assert.Equal(o, Run(single with { Mode = FiringMode.Parallel }, x).O);
            Assert.Equal(o, Run(single with { Mode = FiringMode.Cascade }, x).O);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void CascadePow2_IsTheBinaryCodeOfH()
    {
        // one IF step from V = 0, so H = X. O = min(floor(H / theta_K), 2^K - 1) 2^-(K-1) for H >= 0, 0 for H < 0.
        Gen.Select(Gen.Int[1, 8], Gen.Double[0.25, 4.0], Gen.Double[-0.5, 2.5].Array[24])
        .Sample((levels, vth, unit) =>
        {
            var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = levels, VThreshold = vth };
            double thetaK = vth * Math.Pow(2, -(levels - 1));
            var h = unit.Select(u => u * vth).ToArray();
            var o = Run(options, h, batch: h.Length).O; // T = 1
            for (int i = 0; i < h.Length; i++)
            {
                double q = h[i] / thetaK;
                if (Math.Abs(h[i] - Math.Round(q) * thetaK) < 1e-5) continue; // on a level boundary
                double expected = h[i] < 0 ? 0 : Math.Min(Math.Floor(q), Math.Pow(2, levels) - 1) * Math.Pow(2, -(levels - 1));
                Assert.True(Math.Abs(expected - o[i]) < 1e-12, $"K = {levels}, V_th = {vth}, H = {h[i]}: expected {expected}, got {o[i]}");
            }
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void ParallelUniform_IsTheThermometerCodeOfH()
    {
        // one IF step from V = 0: O = clamp(floor(K H / V_th), 0, K) / K.
        Gen.Select(Gen.Int[1, 10], Gen.Double[0.25, 4.0], Gen.Double[-0.5, 1.5].Array[24])
        .Sample((levels, vth, unit) =>
        {
            var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Parallel, Levels = levels, VThreshold = vth };
            var h = unit.Select(u => u * vth).ToArray();
            var o = Run(options, h, batch: h.Length).O; // T = 1
            for (int i = 0; i < h.Length; i++)
            {
                double q = levels * h[i] / vth;
                if (Math.Abs(h[i] - Math.Round(q) * vth / levels) < 1e-5) continue;
                double expected = Math.Clamp(Math.Floor(q), 0, levels) / levels;
                Assert.True(Math.Abs(expected - o[i]) < 1e-12, $"K = {levels}, V_th = {vth}, H = {h[i]}: expected {expected}, got {o[i]}");
            }
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void SoftReset_KeepsHEqualToVPlusVthTimesO()
    {
        Gen.Select(AnyOptions, Inputs).Sample((options, x) =>
        {
            options = options with { Reset = ResetMode.Soft };
            var (o, h, v) = Run(options, x);
            for (int i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(h[i] - (v[i] + options.VThreshold * o[i])) < 1e-12, $"{options}: H = {h[i]}, V = {v[i]}, O = {o[i]}");
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void HardReset_SetsVResetWhereAnyLevelFired()
    {
        Gen.Select(AnyOptions, Gen.Double[-0.5, 0.5], Inputs).Sample((options, vReset, x) =>
        {
            options = options with { Reset = ResetMode.Hard, VReset = vReset };
            var (o, h, v) = Run(options, x);
            for (int i = 0; i < x.Length; i++)
                Assert.Equal(o[i] > 0 ? vReset : h[i], v[i]);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Outputs_LieInOutputLevels()
    {
        Gen.Select(AnyOptions, Inputs).Sample((options, x) =>
        {
            var levels = options.OutputLevels();
            foreach (double o in Run(options, x).O)
                Assert.True(levels.Any(l => Math.Abs(l - o) < 1e-12), $"{options}: O = {o} not in [{string.Join(", ", levels)}]");
        }, iter: Iterations, threads: 1);
    }
}
