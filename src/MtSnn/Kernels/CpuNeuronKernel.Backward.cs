using System.Buffers;
using System.Runtime.Intrinsics;
using MtSnn.Neurons;

namespace MtSnn.Kernels;

public static unsafe partial class CpuNeuronKernel
{
    /// <summary>
    /// BPTT, per chunk, t = T-1..0, with <c>gV = dL/dV[t]</c> (starting from <c>dL/dV_last</c>):
    /// reset backward — soft: <c>gH = gV</c>, <c>gV_th += -O gV</c>, and unless detached <c>gO += -V_th gV</c>;
    /// hard: <c>gH = gV (1 - S_any)</c>, and unless detached <c>gS_any = gV (V_reset - H)</c>;
    /// then fire backward (<see cref="IFiringKernel.Backward"/>) adds to gH; charge backward:
    /// <c>dL/dX[t] = gH dH/dX</c>, <c>gV(t-1) = gH dH/dV</c>, <c>gbeta += gH dH/dbeta</c>.
    /// Returns the reduced <c>dL/dbeta</c> and <c>dL/dV_th</c> (summed per chunk in chunk order, so deterministic).
    /// </summary>
    private static (double DBeta, double DVth) BackwardLoop<TS, TF, TC>(BackwardIo io, KernelParameters p, TS surrogate, TC charge)
        where TS : struct, ISurrogateKernel where TF : struct, IFiringKernel where TC : struct, IChargeKernel
    {
        int len = ChunkLength(io.Steps, io.Neurons);
        int chunks = (io.Neurons + len - 1) / len;
        var partial = new double[chunks * 2];
        int stride = len + Lanes.Width;
        bool recompute = io.H == null;
        int scratchLength = recompute ? 2 * io.Steps * stride + stride : 2 * stride;
        var rule = new BackwardRule(p.Reset == ResetMode.Soft, p.Options.DetachReset, p.Options.Dynamics == Dynamics.PLIF,
            (float)p.VThreshold, (float)p.Options.VReset);
        fixed (float* th = p.Thresholds, w = p.Weights, rs = p.ResidualSteps, c = p.Scales)
        {
            var levels = new LevelTable(th, w, rs, c, p.Levels, (float)p.VThreshold);
            Parallel.For(0, chunks, () => ArrayPool<float>.Shared.Rent(scratchLength), (chunk, _, state) =>
            {
                int n0 = chunk * len;
                fixed (float* scratch = state)
                {
                    var (gb, gv) = BackwardChunk<TS, TF, TC>(io, levels, surrogate, charge, rule, n0, Math.Min(len, io.Neurons - n0), stride, scratch);
                    partial[2 * chunk] = gb;
                    partial[2 * chunk + 1] = gv;
                }
                return state;
            }, state => ArrayPool<float>.Shared.Return(state));
        }
        double dBeta = 0, dVth = 0;
        for (int i = 0; i < chunks; i++) { dBeta += partial[2 * i]; dVth += partial[2 * i + 1]; }
        return (dBeta, dVth);
    }

    /// <summary>Loop-invariant switches of the backward.</summary>
    private readonly record struct BackwardRule(bool Soft, bool Detach, bool NeedBeta, float VThreshold, float VReset);

    private static (double, double) BackwardChunk<TS, TF, TC>(BackwardIo io, in LevelTable levels, TS surrogate, TC charge,
        BackwardRule rule, int n0, int len, int stride, float* scratch)
        where TS : struct, ISurrogateKernel where TF : struct, IFiringKernel where TC : struct, IChargeKernel
    {
        Vector256<float>* spikes = stackalloc Vector256<float>[32];
        int n = io.Neurons, steps = io.Steps;
        bool recompute = io.H == null;
        float* gvbuf = scratch;
        float* hs = scratch + stride, vs = scratch + stride * (1 + steps);
        var vReset = Vector256.Create(rule.VReset);

        if (recompute)
        {
            // forward again over this chunk, keeping H[t] and V[t-1] in L2-resident scratch
            for (int i = 0; i < len; i += Lanes.Width) Lanes.Load(io.V0 + n0 + i, Math.Min(Lanes.Width, len - i)).Store(gvbuf + i);
            for (int t = 0; t < steps; t++)
            {
                long row = (long)t * n + n0;
                float* ht = hs + (long)t * stride, vt = vs + (long)t * stride;
                for (int i = 0; i < len; i += Lanes.Width)
                {
                    var v = Vector256.Load(gvbuf + i);
                    var h = charge.Charge(v, Lanes.Load(io.X + row + i, Math.Min(Lanes.Width, len - i)));
                    var o = TF.Fire(h, levels, spikes, out var sAny);
                    if (rule.NeedBeta) v.Store(vt + i);
                    h.Store(ht + i);
                    (rule.Soft ? h - o * rule.VThreshold : Vector256.ConditionalSelect(Vector256.Equals(sAny, Vector256<float>.One), vReset, h)).Store(gvbuf + i);
                }
            }
        }

        for (int i = 0; i < len; i += Lanes.Width)
            (io.GradVLast == null ? Vector256<float>.Zero : Lanes.Load(io.GradVLast + n0 + i, Math.Min(Lanes.Width, len - i))).Store(gvbuf + i);
        var gBeta = Vector256<float>.Zero;
        var gVth = Vector256<float>.Zero;
        float dhdx = charge.DhDx, dhdv = charge.DhDv;
        for (int t = steps - 1; t >= 0; t--)
        {
            long row = (long)t * n + n0;
            for (int i = 0; i < len; i += Lanes.Width)
            {
                int m = Math.Min(Lanes.Width, len - i);
                Vector256<float> h, vPrev = default;
                if (recompute)
                {
                    h = Vector256.Load(hs + (long)t * stride + i);
                    if (rule.NeedBeta) vPrev = Vector256.Load(vs + (long)t * stride + i);
                }
                else
                {
                    h = Lanes.Load(io.H + row + i, m);
                    if (rule.NeedBeta)
                    {
                        if (t == 0) vPrev = Lanes.Load(io.V0 + n0 + i, m);
                        else
                        {
                            var hp = Lanes.Load(io.H + row - n + i, m);
                            var op = TF.Fire(hp, levels, spikes, out var sp);
                            vPrev = rule.Soft ? hp - op * rule.VThreshold : Vector256.ConditionalSelect(Vector256.Equals(sp, Vector256<float>.One), vReset, hp);
                        }
                    }
                }
                var gV = Vector256.Load(gvbuf + i);
                var gO = Lanes.Load(io.GradO + row + i, m);
                // reset backward, split around the fire backward (which refires and returns O and S_any)
                var gSAny = !rule.Soft && !rule.Detach ? gV * (vReset - h) : Vector256<float>.Zero;
                if (rule.Soft && !rule.Detach) gO -= gV * rule.VThreshold;
                var gH = TF.Backward(surrogate, h, levels, gO, gSAny, spikes, ref gVth, out var o, out var sAny);
                if (rule.Soft)
                {
                    gH += gV;
                    gVth -= o * gV;   // detach_reset detaches the spikes O, not V_th (SpikingJelly)
                }
                else gH += gV * (Vector256<float>.One - sAny);
                Lanes.Store(gH * dhdx, io.GradX + row + i, m);
                if (rule.NeedBeta) gBeta += gH * charge.DhDBeta(vPrev, h);
                (gH * dhdv).Store(gvbuf + i);
            }
        }
        if (io.GradV0 != null)
            for (int i = 0; i < len; i += Lanes.Width) Lanes.Store(Vector256.Load(gvbuf + i), io.GradV0 + n0 + i, Math.Min(Lanes.Width, len - i));
        return (Lanes.Sum(gBeta), Lanes.Sum(gVth));
    }
}
