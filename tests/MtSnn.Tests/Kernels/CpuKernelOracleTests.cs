using MtSnn.Kernels;
using MtSnn.Neurons;
using Xunit;

namespace MtSnn.Tests.Kernels;

/// <summary>
/// The fused CPU kernel against <see cref="ScalarOracle"/> (double precision, tape gradients). Float vs double:
/// neurons whose potential came within 1e-3 of a threshold at any step are left out (a float rounding can flip
/// a level there and the histories then differ); elsewhere levels must agree exactly, H/O/V within
/// 1e-5 (abs + rel), gradients within 2e-5 (abs + rel, relative to the tensor's largest gradient) and the
/// reduced parameter gradients within 1e-4 relative. Every test runs at both vector widths.
/// </summary>
public class CpuKernelOracleTests
{
    private const double Margin = 1e-3;

    public static TheoryData<int, int> SurrogateIndicesAndWidths() => KernelCases.SurrogateIndicesAndWidths();

    [Theory]
    [MemberData(nameof(SurrogateIndicesAndWidths))]
    public void Every_configuration_matches_the_oracle(int surrogateIndex, int vectorBits)
    {
        using var width = CpuNeuronKernel.UseVectorBits(vectorBits);
        var rng = new Random(1000 + surrogateIndex);
        int compared = 0, total = 0;
        foreach (var o in KernelCases.All(KernelCases.Surrogates[surrogateIndex], rng))
        {
            int steps = rng.Next(1, 6), n = KernelCases.NeuronCounts[rng.Next(KernelCases.NeuronCounts.Length)];
            var (c, t) = CompareOnce(o, steps, n, rng, rng.Next(2) == 0 ? BackwardState.Recompute : BackwardState.StoreH);
            compared += c; total += t;
        }
        Assert.True(compared >= total / 2, $"only {compared} of {total} neurons were away from thresholds");
    }

    [Theory]
    [InlineData(FiringMode.Cascade, 4, ResetMode.Soft, 256)]
    [InlineData(FiringMode.Cascade, 4, ResetMode.Soft, 512)]
    [InlineData(FiringMode.Parallel, 4, ResetMode.Hard, 256)]
    [InlineData(FiringMode.Parallel, 4, ResetMode.Hard, 512)]
    [InlineData(FiringMode.Single, 1, ResetMode.Hard, 256)]
    [InlineData(FiringMode.Single, 1, ResetMode.Hard, 512)]
    public void Larger_runs_cross_chunk_boundaries_with_both_backward_variants(FiringMode mode, int levels, ResetMode reset, int vectorBits)
    {
        using var width = CpuNeuronKernel.UseVectorBits(vectorBits);
        var rng = new Random(7);
        var o = new NeuronOptions { Dynamics = Dynamics.PLIF, Mode = mode, Levels = levels, Reset = reset, TrainableVThreshold = true }.Validate();
        int n = 20_005; // several chunks of whole vectors and a partial last vector (20005 = 16 * 1250 + 5)
        foreach (var state in new[] { BackwardState.Recompute, BackwardState.StoreH })
            CompareOnce(o, 3, n, new Random(rng.Next()), state);
    }

    /// <summary>Runs kernel and oracle on one random case; returns (neurons compared, neurons).</summary>
    private static (int, int) CompareOnce(NeuronOptions o, int steps, int n, Random rng, BackwardState state)
    {
        double vth = o.VThreshold, a = NeuronModel.InitialPlifA(o.Tau) + (rng.NextDouble() - 0.5);
        a = KernelCases.Round(a);
        var x = KernelCases.Uniform(rng, steps * n, -0.5, 1.5 * vth);
        var v0 = KernelCases.Uniform(rng, n, -0.3, 0.5);
        var gO = KernelCases.Uniform(rng, steps * n, -1, 1);
        var gV = KernelCases.Uniform(rng, n, -1, 1);
        var probe = ScalarOracle.Run(o, x, v0, steps, n, vth, a, gO, gV);
        var keep = probe.MinMargin.Select(m => m > Margin).ToArray();
        for (int i = 0; i < n; i++)
            if (!keep[i]) { gV[i] = 0; for (int s = 0; s < steps; s++) gO[s * n + i] = 0; }
        var r = ScalarOracle.Run(o, x, v0, steps, n, vth, a, gO, gV);

        var p = KernelParameters.From(o, a, vth);
        var fo = new float[steps * n]; var fv = new float[n]; var fh = new float[steps * n];
        var fs = new float[steps * o.Levels * n]; var fb = new byte[steps * o.Levels * n];
        var fx = KernelCases.ToFloat(x); var fv0 = KernelCases.ToFloat(v0);
        CpuNeuronKernel.Forward(fx, fv0, steps, n, p, fo, fv, fh, fs, fb);
        var gx = new float[steps * n]; var gv0 = new float[n];
        var g = CpuNeuronKernel.Backward(state == BackwardState.Recompute ? fx : default, state == BackwardState.StoreH ? fh : default,
            fv0, KernelCases.ToFloat(gO), KernelCases.ToFloat(gV), steps, n, p, gx, gv0);

        string what = $"{o.Dynamics}/{(o.DecayInput ? "decay" : "nodecay")} {o.Mode} K={o.Levels} {o.EffectivePreset} {o.EffectiveReset} detach={o.DetachReset} {o.Surrogate} T={steps} N={n} {state}";
        double gScale = Math.Max(1, r.GradX.Concat(r.GradV0).Max(Math.Abs));
        for (int i = 0; i < n; i++)
        {
            if (!keep[i]) continue;
            for (int s = 0; s < steps; s++)
            {
                int at = s * n + i;
                for (int k = 0; k < o.Levels; k++)
                {
                    int sp = (s * o.Levels + k) * n + i;
                    Assert.True(r.Spikes[sp] == fs[sp] && r.Spikes[sp] == fb[sp], $"{what}: S_{k + 1}[t={s}, n={i}] oracle {r.Spikes[sp]} kernel {fs[sp]}/{fb[sp]}");
                }
                Close(r.O[at], fo[at], 1e-5, $"{what}: O[t={s}, n={i}]");
                Close(r.H[at], fh[at], 1e-5, $"{what}: H[t={s}, n={i}]");
                Close(r.GradX[at], gx[at], 2e-5 * gScale, $"{what}: dL/dX[t={s}, n={i}]");
            }
            Close(r.VLast[i], fv[i], 1e-5, $"{what}: V_last[{i}]");
            Close(r.GradV0[i], gv0[i], 2e-5 * gScale, $"{what}: dL/dV0[{i}]");
        }
        double aScale = Math.Max(1, Math.Abs(r.GradA)), vScale = Math.Max(1, Math.Abs(r.GradVth));
        if (o.Dynamics == Dynamics.PLIF) Close(r.GradA, g.PlifA, 1e-4 * aScale * Math.Sqrt(steps * n), $"{what}: dL/da");
        else Assert.Equal(0.0, g.PlifA);
        Close(r.GradVth, g.VThreshold, 1e-4 * vScale * Math.Sqrt(steps * n), $"{what}: dL/dV_th");
        return (keep.Count(b => b), n);
    }

    private static void Close(double expected, double actual, double tol, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tol + 1e-5 * Math.Abs(expected), $"{what}: oracle {expected:R}, kernel {actual:R} (tol {tol:G3})");
}
