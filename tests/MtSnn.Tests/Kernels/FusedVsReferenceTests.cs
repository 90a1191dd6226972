using MtSnn.Kernels;
using MtSnn.Neurons;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels;

/// <summary>
/// The fused CPU kernel against the oracle, the composed reference <see cref="ReferenceNeuron"/>: random shapes (odd N,
/// N below one vector, T = 1), K = 1..8, every dynamics, mode, preset, reset, detach_reset and surrogate, non-contiguous
/// input. Both run in float32 on the same inputs. A neuron whose potential comes within 1e-3 of a threshold at some step
/// (measured on a float64 reference run) may legitimately fire differently after float rounding and is left out; the
/// rest must fire identically at every level, with V and gradients within the stated tolerances. The kernel runs at
/// both vector widths (8 and 16 lanes; N below 16 and not a multiple of 16 exercises the partial last vector of each).
/// </summary>
public class FusedVsReferenceTests
{
    public static TheoryData<int, int> SurrogateIndicesAndWidths() => KernelCases.SurrogateIndicesAndWidths();

    [Theory]
    [MemberData(nameof(SurrogateIndicesAndWidths))]
    public void Fused_kernel_matches_the_reference(int surrogateIndex, int vectorBits)
    {
        TorchRuntime();
        var rng = new Random(1000 + surrogateIndex);
        int cases = 0, excludedNeurons = 0, neurons = 0;
        foreach (var o in KernelCases.All(KernelCases.Surrogates[surrogateIndex], rng))
        {
            int steps = rng.Next(1, 6), n = KernelCases.NeuronCounts[rng.Next(KernelCases.NeuronCounts.Length)];
            var (ex, nn) = CompareOne(o, steps, n, rng.Next(), vectorBits);
            excludedNeurons += ex; neurons += nn; cases++;
        }
        Assert.Equal(60, cases);
        Assert.True(excludedNeurons < neurons / 10, $"too many neurons near a threshold to be a meaningful test: {excludedNeurons} of {neurons}");
    }

    private static (int Excluded, int Neurons) CompareOne(NeuronOptions o, int steps, int n, int seed, int vectorBits)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator((ulong)seed);
        // [N, T] transposed: a non-contiguous [T, N] input.
        var xData = (rand([n, steps], generator: gen) * 2.5 - 0.5).transpose(0, 1);
        var w = randn([steps, n], generator: gen);
        var wv = randn([n], generator: gen);
        double a0 = NeuronModel.InitialPlifA(o.Tau) + 0.1;
        string what = $"{o.Dynamics}/{o.Mode}/K={o.Levels}/{o.EffectivePreset}/{o.EffectiveReset}/detach={o.DetachReset}/decay={o.DecayInput}/T={steps}/N={n}/{vectorBits} bits";

        (Tensor O, Tensor V, Tensor Gx, Tensor Ga, Tensor Gth) Run(bool fused)
        {
            var x = xData.detach().requires_grad_(true);
            var v0 = full([n], o.EffectiveVInit, float32);
            var a = tensor((float)a0).requires_grad_(true);
            var th = tensor((float)o.VThreshold).requires_grad_(true);
            var plif = o.Dynamics == Dynamics.PLIF ? a : null;
            using var width = CpuNeuronKernel.UseVectorBits(vectorBits);
            CpuNeuronKernel.LastVectorBits = 0;
            var (output, vLast) = fused
                ? FusedNeuron.MultiStep(x, v0, o, plif, th) is var f ? (f.Output, f.VLast) : default
                : ReferenceNeuron.MultiStep(x, v0, o, plif, th) is var r ? (r.O, r.VLast) : default;
            Assert.Equal(fused ? vectorBits : 0, CpuNeuronKernel.LastVectorBits);
            CpuNeuronKernel.LastVectorBits = 0;
            ((output * w).sum() + (vLast * wv).sum()).backward();
            Assert.Equal(fused ? vectorBits : 0, CpuNeuronKernel.LastVectorBits);
            return (output.detach(), vLast.detach(), x.grad!, plif is null ? zeros(1) : a.grad!, th.grad!);
        }

        var reference = Run(fused: false);
        var fusedRun = Run(fused: true);
        var keep = FarFromThresholds(xData, o, a0, steps, n);
        int excluded = keep.Count(k => !k);

        var oRef = Values(reference.O); var oFused = Values(fusedRun.O);
        var vRef = Values(reference.V); var vFused = Values(fusedRun.V);
        var gRef = Values(reference.Gx); var gFused = Values(fusedRun.Gx);
        double gScale = gRef.Select(Math.Abs).DefaultIfEmpty(0).Max() + 1e-12;
        for (int i = 0; i < n; i++)
        {
            if (!keep[i]) continue;
            for (int t = 0; t < steps; t++)
            {
                int at = t * n + i;
                Assert.True(oRef[at] == oFused[at], $"{what}: O[t={t}, n={i}] reference {oRef[at]} fused {oFused[at]} (levels differ)");
                Assert.True(Math.Abs(gRef[at] - gFused[at]) <= 1e-5 * gScale, $"{what}: dL/dX[t={t}, n={i}] reference {gRef[at]:R} fused {gFused[at]:R}");
            }
            Assert.True(Math.Abs(vRef[i] - vFused[i]) <= 1e-6 * (1 + Math.Abs(vRef[i])) * steps, $"{what}: V_last[{i}] reference {vRef[i]:R} fused {vFused[i]:R}");
        }
        if (excluded == 0)
        {
            // Parameter gradients sum over every neuron: compared when no neuron was left out.
            AssertRelative(reference.Gth, fusedRun.Gth, 1e-4 * Math.Sqrt(steps * n), $"{what}: dL/dV_th");
            AssertRelative(reference.Ga, fusedRun.Ga, 1e-4 * Math.Sqrt(steps * n), $"{what}: dL/da");
        }
        return (excluded, n);
    }

    /// <summary>Per neuron: true when, at every step and level, the potential that level compares is at least 1e-3 from its threshold (float64 reference run).</summary>
    private static bool[] FarFromThresholds(Tensor x, NeuronOptions o, double a0, int steps, int n)
    {
        using var scope = NewDisposeScope();
        var o64 = o with { StoreMembrane = true };
        var plif = o.Dynamics == Dynamics.PLIF ? tensor(a0, float64) : null;
        var trace = ReferenceNeuron.MultiStep(x.to_type(float64), full([n], o.EffectiveVInit, float64), o64, plif, tensor(o.VThreshold, float64), storeMembrane: true);
        var h = Values(trace.H!);
        var s = Values(trace.Spikes!);   // [T, K, N]
        var scales = o.ThresholdScales; var lambdas = o.LevelWeights;
        var keep = Enumerable.Repeat(true, n).ToArray();
        for (int t = 0; t < steps; t++)
            for (int i = 0; i < n; i++)
            {
                double u = h[t * n + i];
                for (int k = 0; k < o.Levels; k++)
                {
                    if (Math.Abs(u - o.VThreshold * scales[k]) < 1e-3) keep[i] = false;
                    if (o.Mode == FiringMode.Cascade) u -= o.VThreshold * lambdas[k] * s[(t * o.Levels + k) * n + i];
                }
            }
        return keep;
    }

    [Theory]
    [InlineData(NeuronBackend.Fused)]
    [InlineData(NeuronBackend.Auto)]
    public void The_module_runs_the_fused_kernel_on_cpu_float32_and_agrees_with_its_reference_backend(NeuronBackend backend)
    {
        TorchRuntime();
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4, Dynamics = Dynamics.PLIF };
        var x = (randint(-32, 96, [4, 2, 3, 5], generator: new Generator(7)).to_type(float32) / 64);
        Tensor RunWith(NeuronBackend b)
        {
            using var node = new MultiThresholdNode(o) { Backend = b, RecordSpikes = true };
            var xi = x.detach().requires_grad_(true);
            var output = node.forward(xi);
            output.sum().backward();
            Assert.Equal(4, node.LastLevelRates!.Length);
            Assert.Equal(new long[] { 4, 4, 2, 3, 5 }, node.LastSpikes!.shape);
            return cat([output.detach().flatten(), xi.grad!.flatten(), node.PlifA!.grad!.flatten()]).MoveToOuterDisposeScope();
        }
        Assert.Equal(NeuronBackend.Fused, NeuronDispatch.Choose(x, backend, storeMembrane: false));
        var viaBackend = Values(RunWith(backend));
        var viaReference = Values(RunWith(NeuronBackend.Reference));
        for (int i = 0; i < viaBackend.Length; i++)
            Assert.True(Math.Abs(viaBackend[i] - viaReference[i]) <= 1e-5 * (1 + Math.Abs(viaReference[i])), $"[{i}] {viaBackend[i]} vs {viaReference[i]}");
    }

    [Fact]
    public void Dispatch_picks_the_reference_where_no_kernel_exists_and_refuses_a_forced_impossible_choice()
    {
        TorchRuntime();
        using var scope = NewDisposeScope();
        var x64 = zeros([2, 3], float64);
        Assert.Equal(NeuronBackend.Reference, NeuronDispatch.Choose(x64, NeuronBackend.Auto, storeMembrane: false));
        Assert.Equal(NeuronBackend.Reference, NeuronDispatch.Choose(zeros([2, 3]), NeuronBackend.Auto, storeMembrane: true));
        Assert.Throws<NotSupportedException>(() => NeuronDispatch.MultiStep(x64, zeros([3], float64), new NeuronOptions(), null, null, false, false, NeuronBackend.Fused));
        Assert.Throws<NotSupportedException>(() => NeuronDispatch.Choose(zeros([2, 3]), NeuronBackend.Fused, storeMembrane: true));
        Assert.Equal(NeuronBackend.Reference, NeuronDispatch.Parse("reference"));
        Assert.Contains("allowed: auto, reference, fused", Assert.Throws<ArgumentException>(() => NeuronDispatch.Parse("gpu")).Message);
    }

    private static void TorchRuntime() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static double[] Values(Tensor t) => t.to_type(float64).contiguous().flatten().data<double>().ToArray();

    private static void AssertRelative(Tensor expected, Tensor actual, double tolerance, string what)
    {
        double e = Values(expected).Sum(), a = Values(actual).Sum();
        Assert.True(Math.Abs(e - a) <= tolerance * (1 + Math.Abs(e)), $"{what}: reference {e:R} fused {a:R}");
    }
}
