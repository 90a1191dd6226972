using MtSnn.Neurons;

namespace MtSnn.Kernels;

/// <summary>
/// The fused multi-step neuron on CPU, fp32 (MT-SNN.md §2). Forward reads <c>X [T, N]</c> once and writes
/// <c>O [T, N]</c> and <c>V_last [N]</c> (optionally <c>H [T, N]</c> and the spike planes <c>S [T, K, N]</c>); backward
/// is BPTT over all T, writing <c>dL/dX [T, N]</c> and <c>dL/dV[-1] [N]</c> and reducing <c>dL/da</c> (PLIF) and
/// <c>dL/dV_th</c>. Neurons are split into chunks (one <see cref="Parallel.For(int, int, Action{int})"/>); inside a
/// chunk the time loop runs over rows of the chunk so the state stays in L1. Vectors are <see cref="VectorBits"/> wide
/// (8 or 16 float lanes, chosen once per process); the last partial vector of a row is loaded zero-padded and
/// stored partially (no separate scalar path). Each (width, firing rule, charge, surrogate) combination is a separate
/// generic instantiation.
/// </summary>
public static unsafe partial class CpuNeuronKernel
{
    /// <summary>Bytes of per-chunk scratch the recompute backward aims to keep in L2 (H and V per step).</summary>
    private const int ScratchBudgetBytes = 512 * 1024;

    /// <summary>
    /// Forward over all T. <paramref name="h"/> (length T N), <paramref name="spikes"/> (T K N floats) and
    /// <paramref name="spikeBytes"/> (T K N bytes) are written when non-empty.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> v0, int steps, int neurons, KernelParameters p,
        Span<float> o, Span<float> vLast, Span<float> h = default, Span<float> spikes = default, Span<byte> spikeBytes = default)
    {
        ArgumentNullException.ThrowIfNull(p);
        CheckShapes(steps, neurons, p.Levels, x.Length, v0.Length);
        Require(o.Length == (long)steps * neurons, $"O must have T*N = {(long)steps * neurons} elements (got {o.Length})");
        Require(vLast.Length == neurons, $"V_last must have N = {neurons} elements (got {vLast.Length})");
        Require(h.IsEmpty || h.Length == (long)steps * neurons, $"H must be empty or have T*N = {(long)steps * neurons} elements (got {h.Length})");
        long planes = (long)steps * p.Levels * neurons;
        Require(spikes.IsEmpty || spikes.Length == planes, $"spike planes must be empty or have T*K*N = {planes} elements (got {spikes.Length})");
        Require(spikeBytes.IsEmpty || spikeBytes.Length == planes, $"spike bytes must be empty or have T*K*N = {planes} elements (got {spikeBytes.Length})");
        if (neurons == 0 || steps == 0) { v0.CopyTo(vLast); return; }
        fixed (float* px = x, pv0 = v0, po = o, pvl = vLast, ph = h, ps = spikes)
        fixed (byte* psb = spikeBytes)
        {
            var io = new ForwardIo(px, pv0, po, pvl, h.IsEmpty ? null : ph, spikes.IsEmpty ? null : ps, spikeBytes.IsEmpty ? null : psb, steps, neurons);
            DispatchForward(io, p);
        }
    }

    /// <summary>
    /// BPTT backward over all T. Pass <paramref name="h"/> (saved by <see cref="Forward"/>) to read the pre-fire
    /// potentials, or leave it empty to recompute them from <paramref name="x"/> chunk by chunk.
    /// <paramref name="gradVLast"/> may be empty (treated as 0); <paramref name="gradV0"/> is written when non-empty.
    /// </summary>
    public static KernelGradients Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> h, ReadOnlySpan<float> v0,
        ReadOnlySpan<float> gradO, ReadOnlySpan<float> gradVLast, int steps, int neurons, KernelParameters p,
        Span<float> gradX, Span<float> gradV0 = default)
    {
        ArgumentNullException.ThrowIfNull(p);
        long total = (long)steps * neurons;
        bool stored = !h.IsEmpty;
        Require(stored ? h.Length == total : x.Length == total, $"backward needs H or X with T*N = {total} elements (got H {h.Length}, X {x.Length})");
        Require(v0.Length == neurons, $"V[-1] must have N = {neurons} elements (got {v0.Length})");
        Require(gradO.Length == total, $"dL/dO must have T*N = {total} elements (got {gradO.Length})");
        Require(gradVLast.IsEmpty || gradVLast.Length == neurons, $"dL/dV_last must be empty or have N = {neurons} elements (got {gradVLast.Length})");
        Require(gradX.Length == total, $"dL/dX must have T*N = {total} elements (got {gradX.Length})");
        Require(gradV0.IsEmpty || gradV0.Length == neurons, $"dL/dV[-1] must be empty or have N = {neurons} elements (got {gradV0.Length})");
        if (neurons == 0) return new KernelGradients(0, 0);
        if (steps == 0) { if (!gradV0.IsEmpty) { if (gradVLast.IsEmpty) gradV0.Clear(); else gradVLast.CopyTo(gradV0); } return new KernelGradients(0, 0); }
        fixed (float* px = x, ph = h, pv0 = v0, pgo = gradO, pgvl = gradVLast, pgx = gradX, pgv0 = gradV0)
        {
            var io = new BackwardIo(stored ? null : px, stored ? ph : null, pv0, pgo, gradVLast.IsEmpty ? null : pgvl, pgx,
                gradV0.IsEmpty ? null : pgv0, steps, neurons);
            var (dBeta, dVth) = DispatchBackward(io, p);
            double dA = p.Options.Dynamics == Dynamics.PLIF ? dBeta * p.Beta * (1 - p.Beta) : 0.0;
            return new KernelGradients(dA, dVth);
        }
    }

    /// <summary>Neurons per chunk: whole vectors of <paramref name="lanes"/> (a power of two), scratch (2 T floats per neuron) within budget, at least 4 chunks per core.</summary>
    internal static int ChunkLength(int steps, int neurons, int lanes)
    {
        int byScratch = ScratchBudgetBytes / (8 * Math.Max(1, steps));
        int byCores = (int)Math.Min(int.MaxValue, ((long)neurons + 4L * Environment.ProcessorCount - 1) / (4L * Environment.ProcessorCount));
        int len = Math.Clamp(Math.Min(byScratch, byCores), 64, 16384);
        return (len + lanes - 1) & -lanes;
    }

    private static void CheckShapes(int steps, int neurons, int levels, int xLength, int v0Length)
    {
        Require(steps >= 0 && neurons >= 0, $"T and N must be >= 0 (got T = {steps}, N = {neurons})");
        Require(xLength == (long)steps * neurons, $"X must have T*N = {(long)steps * neurons} elements (got {xLength})");
        Require(v0Length == neurons, $"V[-1] must have N = {neurons} elements (got {v0Length})");
        Require(levels is >= 1 and <= 16, $"levels K must be 1..16 (got {levels})");
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}

/// <summary>The reduced parameter gradients of one backward call: <c>dL/da</c> (PLIF, else 0) and <c>dL/dV_th</c>.</summary>
public readonly record struct KernelGradients(double PlifA, double VThreshold);
