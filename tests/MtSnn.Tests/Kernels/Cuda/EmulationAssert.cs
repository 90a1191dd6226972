using MtSnn.Kernels;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels.Cuda;

/// <summary>The assertions shared by the CPU emulation and the GPU runs of the generated kernels.</summary>
internal static class EmulationAssert
{
    /// <summary>
    /// Compares kernel results (emulated or from a GPU) with the reference. <paramref name="storageTolerance"/> = 0: float32 storage (O exact,
    /// V and gradients to float rounding); otherwise the storage's relative rounding (O equals the reference rounded).
    /// Store-H and recompute cases are held to the same tolerances (H is compared where the forward wrote it); a
    /// recompute twin of a case (<see cref="EmulationCases.Recomputing"/>) reuses that case's reference run.
    /// </summary>
    public static void MatchesReference(IReadOnlyList<EmuCase> cases, IReadOnlyList<EmuResult> results, double storageTolerance)
    {
        int kept = 0, total = 0, parameterChecks = 0;
        var references = new Dictionary<EmuCase, ReferenceResult>();
        for (int c = 0; c < cases.Count; c++)
        {
            var e = cases[c];
            var r = results[c];
            var key = e with { Spec = e.Spec.WithRecomputeSteps(0) };
            if (!references.TryGetValue(key, out var reference)) references[key] = reference = EmulationCases.Reference(e);
            var o = e.Spec.Options;
            string what = $"case {c}: {o.Dynamics}/decay={o.DecayInput}/{o.Mode}/K={o.Levels}/{o.EffectivePreset}/{o.EffectiveReset}/detach={o.DetachReset}/" +
                $"{o.Surrogate}/T={e.Steps}/N={e.Neurons}/block={e.Spec.BlockSize}/backward={(e.Spec.Recomputes ? "recompute" : "store-H")}/vth={(e.Spec.RuntimeVThreshold ? "runtime" : "const")}/a={(e.Spec.RuntimePlifA ? "runtime" : "const")}";
            int n = e.Neurons, k = o.Levels;
            double gScale = reference.GradX.Select(v => (double)Math.Abs(v)).DefaultIfEmpty(0).Max() + 1e-12;
            double vScale = reference.GradV0.Select(v => (double)Math.Abs(v)).DefaultIfEmpty(0).Max() + 1e-12;
            for (int i = 0; i < n; i++)
            {
                total++;
                if (!reference.Keep[i]) continue;
                kept++;
                for (int t = 0; t < e.Steps; t++)
                {
                    int at = t * n + i;
                    float expectedO = storageTolerance == 0 ? reference.O[at] : Stored(e.Spec.Storage, reference.O[at]);
                    Assert.True(expectedO == r.O[at], $"{what}: O[t={t}, n={i}] reference {reference.O[at]} kernel {r.O[at]}");
                    if (r.H is not null)
                        Assert.True(Near(reference.H[at], r.H[at], 1e-5 * (1 + Math.Abs(reference.H[at]))), $"{what}: H[t={t}, n={i}] reference {reference.H[at]:R} kernel {r.H[at]:R}");
                    Assert.True(Near(reference.GradX[at], r.GradX[at], 1e-5 * gScale + storageTolerance * Math.Abs(reference.GradX[at])),
                        $"{what}: dL/dX[t={t}, n={i}] reference {reference.GradX[at]:R} kernel {r.GradX[at]:R}");
                    if (r.Spikes is not null)
                        for (int level = 0; level < k; level++)
                        {
                            int s = (t * k + level) * n + i;
                            Assert.True(reference.Spikes[s] == r.Spikes[s], $"{what}: S[t={t}, k={level}, n={i}] reference {reference.Spikes[s]} kernel {r.Spikes[s]}");
                        }
                }
                Assert.True(Near(reference.VLast[i], r.VLast[i], 1e-6 * (1 + Math.Abs(reference.VLast[i])) * e.Steps + storageTolerance * Math.Abs(reference.VLast[i])),
                    $"{what}: V_last[{i}] reference {reference.VLast[i]:R} kernel {r.VLast[i]:R}");
                if (r.GradV0 is not null)
                    Assert.True(Near(reference.GradV0[i], r.GradV0[i], 1e-5 * vScale + storageTolerance * Math.Abs(reference.GradV0[i])),
                        $"{what}: dL/dV[-1][{i}] reference {reference.GradV0[i]:R} kernel {r.GradV0[i]:R}");
            }
            if (storageTolerance == 0) CompareWithCpuKernel(e, r, what);
            if (reference.Keep.All(x => x) && storageTolerance == 0)
            {
                // parameter gradients sum over all neurons: compared when none was left out
                double tol = 1e-4 * Math.Sqrt(e.Steps * n);
                if (e.Spec.RuntimeVThreshold)
                    Assert.True(Near(reference.GradVth, r.Acc[1], tol * (1 + Math.Abs(reference.GradVth))), $"{what}: dL/dV_th reference {reference.GradVth:R} kernel {r.Acc[1]:R}");
                if (e.Spec.RuntimePlifA)
                {
                    double beta = 1 / (1 + Math.Exp(-(double)e.A));
                    double ga = r.Acc[0] * beta * (1 - beta);
                    Assert.True(Near(reference.GradA, ga, tol * (1 + Math.Abs(reference.GradA))), $"{what}: dL/da reference {reference.GradA:R} kernel {ga:R}");
                }
                parameterChecks++;
            }
        }
        Assert.True(kept > total * 9 / 10, $"too many neurons near a threshold to be a meaningful test: {total - kept} of {total}");
        Assert.True(storageTolerance > 0 || parameterChecks > 0, "parameter gradients were never compared with the reference");
    }

    /// <summary>
    /// Against <see cref="CpuNeuronKernel"/> on the same float32 inputs, for every neuron: the same operations in the same
    /// order, so O, the spikes and H are bit-identical; gradients agree to float rounding (the CPU surrogates use a
    /// refined reciprocal estimate) and the parameter gradients to summation order. A recompute case is compared with
    /// the CPU kernel's recompute backward (X, no H).
    /// </summary>
    private static void CompareWithCpuKernel(EmuCase e, EmuResult r, string what)
    {
        var spec = e.Spec;
        int steps = e.Steps, n = e.Neurons, tn = steps * n;
        var p = KernelParameters.From(spec.Options, spec.RuntimePlifA ? e.A : null, spec.RuntimeVThreshold ? e.VThreshold : null);
        float[] o = new float[tn], h = new float[tn], vl = new float[n], gx = new float[tn], gv0 = new float[n];
        byte[] spikes = new byte[tn * spec.Options.Levels];
        CpuNeuronKernel.Forward(e.X, e.V0, steps, n, p, o, vl, h, default, spikes);
        var g = spec.Recomputes
            ? CpuNeuronKernel.Backward(e.X, default, e.V0, e.GradO ?? new float[tn], e.GradVLast ?? default, steps, n, p, gx, gv0)
            : CpuNeuronKernel.Backward(default, h, e.V0, e.GradO ?? new float[tn], e.GradVLast ?? default, steps, n, p, gx, gv0);
        Assert.True(o.SequenceEqual(r.O), $"{what}: O differs from the CPU kernel");
        if (r.H is not null) Assert.True(h.SequenceEqual(r.H), $"{what}: H differs from the CPU kernel");
        Assert.True(vl.SequenceEqual(r.VLast), $"{what}: V_last differs from the CPU kernel");
        if (r.Spikes is not null) Assert.True(spikes.SequenceEqual(r.Spikes), $"{what}: spikes differ from the CPU kernel");
        double scale = gx.Select(v => (double)Math.Abs(v)).DefaultIfEmpty(0).Max() + 1e-12;
        for (int i = 0; i < tn; i++)
            Assert.True(Near(gx[i], r.GradX[i], 1e-5 * scale), $"{what}: dL/dX[{i}] CPU kernel {gx[i]:R} emulated {r.GradX[i]:R}");
        double tol = 1e-4 * Math.Sqrt(tn);
        if (spec.RuntimeVThreshold)
            Assert.True(Near(g.VThreshold, r.Acc[1], tol * (1 + Math.Abs(g.VThreshold))), $"{what}: dL/dV_th CPU kernel {g.VThreshold:R} emulated {r.Acc[1]:R}");
        if (spec.RuntimePlifA)
        {
            double ga = r.Acc[0] * p.Beta * (1 - p.Beta);
            Assert.True(Near(g.PlifA, ga, tol * (1 + Math.Abs(g.PlifA))), $"{what}: dL/da CPU kernel {g.PlifA:R} emulated {ga:R}");
        }
    }

    /// <summary>
    /// The recompute backward against store-H on the same inputs (<paramref name="recompute"/>[c] ran
    /// <see cref="EmulationCases.Recomputing"/>(<paramref name="cases"/>[c])): it re-runs the forward's expressions, so its H
    /// and with it O, V_last, the spikes, dL/dX and dL/dV[-1] are bit-identical. The parameter-gradient sums are too when
    /// <paramref name="exactAccumulators"/> (the emulation runs blocks in order); on a GPU the order of the blocks'
    /// atomicAdds is not deterministic, so they agree to summation order.
    /// </summary>
    public static void SameAsStoreH(IReadOnlyList<EmuCase> cases, IReadOnlyList<EmuResult> store, IReadOnlyList<EmuResult> recompute, bool exactAccumulators)
    {
        Assert.Equal(cases.Count, store.Count);
        Assert.Equal(cases.Count, recompute.Count);
        for (int c = 0; c < cases.Count; c++)
        {
            var (s, r) = (store[c], recompute[c]);
            string what = $"case {c} ({cases[c].Spec.Options.Mode}/K={cases[c].Spec.Options.Levels}/T={cases[c].Steps}/N={cases[c].Neurons}): recompute vs store-H";
            Assert.True(r.H is null, $"{what}: the recompute forward wrote H");
            Assert.True(BitEqual(s.O, r.O), $"{what}: O differs");
            Assert.True(BitEqual(s.VLast, r.VLast), $"{what}: V_last differs");
            Assert.True(BitEqual(s.GradX, r.GradX), $"{what}: dL/dX differs");
            Assert.True((s.GradV0, r.GradV0) is (null, null) || BitEqual(s.GradV0!, r.GradV0!), $"{what}: dL/dV[-1] differs");
            Assert.True((s.Spikes, r.Spikes) is (null, null) || s.Spikes!.SequenceEqual(r.Spikes!), $"{what}: spikes differ");
            double tol = exactAccumulators ? 0 : 1e-5 * Math.Sqrt(cases[c].Steps * cases[c].Neurons);
            for (int j = 0; j < 2; j++)
                Assert.True(exactAccumulators ? BitEqual([s.Acc[j]], [r.Acc[j]]) : Near(s.Acc[j], r.Acc[j], tol * (1 + Math.Abs(s.Acc[j]))),
                    $"{what}: acc[{j}] store-H {s.Acc[j]:R} recompute {r.Acc[j]:R}");
        }
    }

    private static bool BitEqual(float[] a, float[] b) =>
        a.Length == b.Length && a.Select(BitConverter.SingleToUInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToUInt32Bits));

    private static bool Near(double expected, double actual, double tolerance) => Math.Abs(expected - actual) <= tolerance;

    private static float Stored(ScalarType storage, float v) => storage == ScalarType.Float16
        ? (float)(Half)v
        : BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) + 0x7fffu + ((BitConverter.SingleToUInt32Bits(v) >> 16) & 1u) & 0xffff0000u);
}
