using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels.Cuda;

/// <summary>One kernel-pair run on the CPU emulation: spec, sizes, inputs (floats, already representable in the storage type).</summary>
internal sealed record EmuCase(CudaKernelSpec Spec, int Steps, int Neurons, float A, float VThreshold, float[] X, float[] V0,
    float[]? GradO, float[]? GradVLast, bool Spikes, bool Accumulate, bool GradV0);

/// <summary>The outputs of one emulated case, decoded to float; <c>H</c> is null when the backward recomputed it (the forward wrote none).</summary>
internal sealed record EmuResult(float[] O, float[] VLast, float[]? H, byte[]? Spikes, float[] GradX, float[]? GradV0, float[] Acc);

/// <summary>What the composed reference (float32, CPU) gives for one case, with the neurons fit for exact comparison.</summary>
internal sealed record ReferenceResult(float[] O, float[] Spikes, float[] H, float[] VLast, float[] GradX, float[] GradV0,
    double GradA, double GradVth, bool[] Keep);

/// <summary>Random emulation cases and their reference results.</summary>
internal static class EmulationCases
{
    public static readonly int[] BlockSizes = [32, 64, 128, 256];

    /// <summary>
    /// The float32 case set of one surrogate: every option set of <see cref="KernelCases.All"/> (seeded by
    /// <paramref name="seed"/>), T = 1 for every sixth, a large odd-ish N (<paramref name="largeN"/> + 0..2) for every
    /// fifth, else a small N; <paramref name="keep"/> (by position) selects which option sets become cases.
    /// </summary>
    public static List<EmuCase> Float32Set(int surrogateIndex, int seed, int largeN, Func<int, bool>? keep = null)
    {
        var rng = new Random(seed);
        var cases = new List<EmuCase>();
        int c = 0;
        foreach (var o in KernelCases.All(KernelCases.Surrogates[surrogateIndex], rng))
        {
            int steps = c % 6 == 0 ? 1 : rng.Next(1, 6);
            int n = c % 5 == 0 ? largeN + rng.Next(3) : KernelCases.NeuronCounts[rng.Next(KernelCases.NeuronCounts.Length)];
            if (keep?.Invoke(c) ?? true) cases.Add(Make(o, ScalarType.Float32, steps, n, rng));
            c++;
        }
        return cases;
    }

    /// <summary>A case for <paramref name="o"/>: random inputs rounded to the storage type, random optional pieces.</summary>
    public static EmuCase Make(NeuronOptions o, ScalarType storage, int steps, int n, Random rng)
    {
        bool runtimeVth = rng.Next(3) != 0, runtimeA = o.Dynamics == Dynamics.PLIF && rng.Next(3) != 0;
        var spec = new CudaKernelSpec(o, storage, runtimeVth, runtimeA, BlockSizes[rng.Next(BlockSizes.Length)]);
        float Round(double v) => storage switch
        {
            ScalarType.Float32 => (float)v,
            ScalarType.Float16 => (float)(Half)v,
            _ => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits((float)v) & 0xffff0000u),
        };
        float[] Uniform(int count, double lo, double hi) => [.. Enumerable.Range(0, count).Select(_ => Round(lo + (hi - lo) * rng.NextDouble()))];
        int variant = rng.Next(6);   // 4: no dL/dV_last, 5: no dL/dO
        float vth = runtimeVth ? (float)(o.VThreshold * (0.8 + 0.4 * rng.NextDouble())) : (float)o.VThreshold;
        float a = runtimeA ? (float)(NeuronModel.InitialPlifA(o.Tau) + rng.NextDouble() - 0.5) : (float)NeuronModel.InitialPlifA(o.Tau);
        return new EmuCase(spec, steps, n, a, vth,
            X: Uniform(steps * n, -0.5, 2.0 * vth), V0: Uniform(n, -0.3, 0.6),
            GradO: variant == 5 ? null : Uniform(steps * n, -1, 1), GradVLast: variant == 4 ? null : Uniform(n, -1, 1),
            Spikes: rng.Next(4) != 0, Accumulate: runtimeVth || runtimeA, GradV0: rng.Next(4) != 0);
    }

    /// <summary>The same case with the recompute backward (<see cref="CudaKernelSpec.RecomputeSteps"/> = T): same inputs, same forward.</summary>
    public static EmuCase Recomputing(EmuCase e) => e with { Spec = e.Spec.WithRecomputeSteps(e.Steps) };

    /// <summary>Runs <see cref="ReferenceNeuron"/> on the case's inputs; the loss is <c>sum(gO O) + sum(gV_last V_last)</c>.</summary>
    public static ReferenceResult Reference(EmuCase e)
    {
        using var scope = NewDisposeScope();
        var o = e.Spec.Options;
        int t = e.Steps, n = e.Neurons;
        var x = tensor(e.X).reshape(t, n).requires_grad_(true);
        var v0 = tensor(e.V0).requires_grad_(true);
        var a = tensor(e.A).requires_grad_(e.Spec.RuntimePlifA);
        var vth = e.Spec.RuntimeVThreshold ? tensor(e.VThreshold).requires_grad_(true) : null;
        var trace = ReferenceNeuron.MultiStep(x, v0, o, o.Dynamics == Dynamics.PLIF ? a : null, vth, storeMembrane: true);
        var loss = zeros(1);
        if (e.GradO is not null) loss = loss + (trace.O * tensor(e.GradO).reshape(t, n)).sum();
        if (e.GradVLast is not null) loss = loss + (trace.VLast * tensor(e.GradVLast)).sum();
        loss.sum().backward();
        return new ReferenceResult(Floats(trace.O), Floats(trace.Spikes!), Floats(trace.H!), Floats(trace.VLast), Floats(x.grad!),
            Floats(v0.grad!), a.grad is null ? 0 : a.grad.item<float>(), vth?.grad is null ? 0 : vth.grad.item<float>(), Keep(e));
    }

    /// <summary>
    /// Per neuron: true when, at every step and level, the potential that level compares is at least 1e-3 from its
    /// threshold in a float64 reference run (a neuron closer may fire differently after float rounding).
    /// </summary>
    private static bool[] Keep(EmuCase e)
    {
        using var scope = NewDisposeScope();
        var o = e.Spec.Options;
        int t = e.Steps, n = e.Neurons;
        var plif = o.Dynamics == Dynamics.PLIF ? tensor((double)e.A, float64) : null;
        var tr = ReferenceNeuron.MultiStep(tensor(e.X).reshape(t, n).to_type(float64), tensor(e.V0).to_type(float64), o, plif,
            tensor((double)e.VThreshold, float64), storeMembrane: true);
        var h = tr.H!.data<double>().ToArray();
        var s = tr.Spikes!.data<double>().ToArray();
        var keep = Enumerable.Repeat(true, n).ToArray();
        for (int step = 0; step < t; step++)
            for (int i = 0; i < n; i++)
            {
                double u = h[step * n + i];
                for (int k = 0; k < o.Levels; k++)
                {
                    if (Math.Abs(u - e.VThreshold * o.ThresholdScales[k]) < 1e-3) keep[i] = false;
                    if (o.Mode == FiringMode.Cascade) u -= e.VThreshold * o.LevelWeights[k] * s[(step * o.Levels + k) * n + i];
                }
            }
        return keep;
    }

    private static float[] Floats(Tensor t) => t.detach().to_type(float32).contiguous().flatten().data<float>().ToArray();
}
