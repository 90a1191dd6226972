using System.Buffers;
using System.Runtime.CompilerServices;
using MtSnn.Neurons;

namespace MtSnn.Kernels;

public static unsafe partial class CpuNeuronKernel
{
    /// <summary>
    /// Forward, per chunk of neurons, t = 0..T-1: <c>H = charge(V, X[t])</c>; fire; <c>O[t] = sum_k lambda_k S_k</c>;
    /// soft <c>V = H - V_th O</c>, hard <c>V = S_any ? V_reset : H</c>.
    /// </summary>
    private static void ForwardLoop<TV, TF, TC>(ForwardIo io, KernelParameters p, TC charge)
        where TV : unmanaged, IVec<TV> where TF : struct, IFiringKernel where TC : struct, IChargeKernel
    {
        int len = ChunkLength(io.Steps, io.Neurons, TV.Count);
        int chunks = (io.Neurons + len - 1) / len;
        bool soft = IsSoft(p.Reset);
        float vth = (float)p.VThreshold, vr = (float)p.Options.VReset;
        fixed (float* th = p.Thresholds, w = p.Weights, rs = p.ResidualSteps, c = p.Scales, si = p.SurrogateInverseWidths, sg = p.SurrogateGains)
        {
            var levels = new LevelTable(th, w, rs, c, si, sg, p.Levels, vth);
            Parallel.For(0, chunks, () => ArrayPool<float>.Shared.Rent(len + TV.Count), (chunk, _, state) =>
            {
                int n0 = chunk * len;
                fixed (float* vbuf = state)
                    ForwardChunk<TV, TF, TC>(io, levels, charge, soft, vth, vr, n0, Math.Min(len, io.Neurons - n0), vbuf);
                return state;
            }, state => ArrayPool<float>.Shared.Return(state));
        }
    }

    private static void ForwardChunk<TV, TF, TC>(ForwardIo io, in LevelTable levels, TC charge, bool soft, float vth, float vr,
        int n0, int len, float* vbuf) where TV : unmanaged, IVec<TV> where TF : struct, IFiringKernel where TC : struct, IChargeKernel
    {
        TV* spikes = stackalloc TV[16];
        int n = io.Neurons, k = levels.Levels;
        for (int i = 0; i < len; i += TV.Count) TV.Store(Lanes<TV>.Load(io.V0 + n0 + i, Math.Min(TV.Count, len - i)), vbuf + i);
        var vReset = TV.Create(vr);
        for (int t = 0; t < io.Steps; t++)
        {
            long row = (long)t * n + n0;
            for (int i = 0; i < len; i += TV.Count)
            {
                int m = Math.Min(TV.Count, len - i);
                var h = charge.Charge(TV.Load(vbuf + i), Lanes<TV>.Load(io.X + row + i, m));
                var o = TF.Fire(h, levels, spikes, out var sAny);
                var v = soft ? h - o * vth : TV.ConditionalSelect(TV.Equal(sAny, TV.One), vReset, h);
                TV.Store(v, vbuf + i);
                Lanes<TV>.Store(o, io.O + row + i, m);
                if (io.H != null) Lanes<TV>.Store(h, io.H + row + i, m);
                if (io.Spikes != null || io.SpikeBytes != null) StoreSpikes(io, spikes, k, t, n0 + i, m);
            }
        }
        for (int i = 0; i < len; i += TV.Count) Lanes<TV>.Store(TV.Load(vbuf + i), io.VLast + n0 + i, Math.Min(TV.Count, len - i));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreSpikes<TV>(ForwardIo io, TV* spikes, int levels, int t, int neuron, int m) where TV : unmanaged, IVec<TV>
    {
        for (int k = 0; k < levels; k++)
        {
            long at = ((long)t * levels + k) * io.Neurons + neuron;
            if (io.Spikes != null) Lanes<TV>.Store(spikes[k], io.Spikes + at, m);
            if (io.SpikeBytes != null)
                for (int j = 0; j < m; j++) io.SpikeBytes[at + j] = (byte)Lanes<TV>.Element(spikes[k], j);
        }
    }
}
