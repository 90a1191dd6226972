using System.Collections.Immutable;
using MtSnn.Neurons;
using Xunit;

namespace MtSnn.Tests.Kernels;

/// <summary>Random neuron configurations and inputs for the kernel-versus-oracle tests.</summary>
internal static class KernelCases
{
    /// <summary>
    /// Every registered surrogate with its default parameter (in registry order: ATan, Sigmoid, Rectangle, Triangle,
    /// PiecewiseQuadratic, FastSigmoid), then ATan(3) and FastSigmoid(4): a newly registered surrogate joins the
    /// kernel-versus-reference and CUDA emulation tests without a line here.
    /// </summary>
    public static readonly Surrogate[] Surrogates =
        [.. MtSnn.Neurons.Surrogates.All.Select(k => k.Create(k.Default)), new ATan(3.0), new FastSigmoid(4.0)];

    public static readonly int[] NeuronCounts = [1, 3, 7, 8, 9, 13, 37, 130];

    /// <summary>The CPU kernel's vector widths (both run everywhere: 512 on the runtime's software vectors where the hardware lacks it).</summary>
    public static readonly int[] VectorBits = [256, 512];

    /// <summary>Every (surrogate index, vector width) pair.</summary>
    public static TheoryData<int, int> SurrogateIndicesAndWidths()
    {
        var data = new TheoryData<int, int>();
        for (int s = 0; s < Surrogates.Length; s++)
            foreach (int bits in VectorBits) data.Add(s, bits);
        return data;
    }

    /// <summary>Every dynamics (IF, LIF decay_input on/off, PLIF) x mode x reset x detach for one surrogate, with random K, preset, V_th, tau, V_reset.</summary>
    public static IEnumerable<NeuronOptions> All(Surrogate surrogate, Random rng)
    {
        foreach (var (dyn, decay) in new[] { (Dynamics.IF, true), (Dynamics.LIF, true), (Dynamics.LIF, false), (Dynamics.PLIF, true), (Dynamics.PLIF, false) })
        foreach (var mode in new[] { FiringMode.Single, FiringMode.Parallel, FiringMode.Cascade })
        foreach (var reset in new[] { ResetMode.Soft, ResetMode.Hard })
        foreach (bool detach in new[] { false, true })
        {
            int k = mode == FiringMode.Single ? 1 : rng.Next(1, 9);
            var preset = mode == FiringMode.Single ? ThresholdPreset.Pow2 : (ThresholdPreset)rng.Next(3);
            var o = new NeuronOptions
            {
                Dynamics = dyn, DecayInput = decay, Mode = mode, Levels = k, Preset = preset, Reset = reset, DetachReset = detach,
                Surrogate = surrogate, VThreshold = 0.6 + rng.NextDouble(), Tau = 1.5 + 3 * rng.NextDouble(),
                VReset = rng.Next(2) == 0 ? 0.0 : -0.3,
            };
            if (preset == ThresholdPreset.Explicit)
            {
                var th = Enumerable.Range(0, k).Select(_ => 0.1 + 1.5 * rng.NextDouble()).OrderDescending().ToArray();
                for (int i = 1; i < k; i++) if (th[i] >= th[i - 1] - 1e-3) th[i] = th[i - 1] * 0.9;
                o = o with { Thresholds = [.. th], Weights = [.. Enumerable.Range(0, k).Select(_ => 0.1 + rng.NextDouble())] };
            }
            // per-level surrogate scaling (issue 11's ablation) on a third of the cases each; spacing only where every level's
            // spacing is >= 1/8 (K <= 4 for pow2; a level 1/64 wide makes the surrogate 64x steeper, and float rounding of
            // u = H - theta_k then moves the gradient by more than the float-vs-double tolerances; random explicit
            // thresholds can be 1e-3 apart)
            bool wideEnough = preset != ThresholdPreset.Explicit && o.Validate().LevelSpacings.Min() >= 0.125;
            if (wideEnough && rng.Next(3) == 0) o = o with { SurrogateWidth = SurrogateWidth.Spacing };
            if (rng.Next(3) == 0) o = o with { NormalizeLevelGradient = true };
            yield return o.Validate();
        }
    }

    /// <summary>Uniform floats in [lo, hi), rounded to float so kernel and oracle see the same inputs.</summary>
    public static double[] Uniform(Random rng, int count, double lo, double hi) =>
        [.. Enumerable.Range(0, count).Select(_ => (double)(float)(lo + (hi - lo) * rng.NextDouble()))];

    public static float[] ToFloat(double[] a) => [.. a.Select(v => (float)v)];

    /// <summary>The oracle's inputs rounded the way the kernel rounds them (V_th and a are passed as float-exact doubles).</summary>
    public static double Round(double v) => (float)v;

    public static ImmutableArray<double> Empty => [];
}
