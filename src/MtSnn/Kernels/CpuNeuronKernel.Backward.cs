using System.Buffers;
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
    private static (double DBeta, double DVth) BackwardLoop<TV, TS, TF, TC>(BackwardIo io, KernelParameters p, TS surrogate, TC charge)
        where TV : unmanaged, IVec<TV> where TS : struct, ISurrogateDerivative where TF : struct, IFiringKernel where TC : struct, IChargeKernel
    {
        int len = ChunkLength(io.Steps, io.Neurons, TV.Count);
        int chunks = (io.Neurons + len - 1) / len;
        var partial = new double[chunks * 2];
        int stride = len + TV.Count;
        bool recompute = io.H == null;
        int scratchLength = recompute ? 2 * io.Steps * stride + stride : 2 * stride;
        var rule = new BackwardRule(IsSoft(p.Reset), p.Options.DetachReset, p.Options.Dynamics == Dynamics.PLIF,
            (float)p.VThreshold, (float)p.Options.VReset);
        fixed (float* th = p.Thresholds, w = p.Weights, rs = p.ResidualSteps, c = p.Scales, si = p.SurrogateInverseWidths, sg = p.SurrogateGains)
        {
            var levels = new LevelTable(th, w, rs, c, si, sg, p.Levels, (float)p.VThreshold);
            Parallel.For(0, chunks, () => ArrayPool<float>.Shared.Rent(scratchLength), (chunk, _, state) =>
            {
                int n0 = chunk * len;
                fixed (float* scratch = state)
                {
                    var (gb, gv) = BackwardChunk<TV, TS, TF, TC>(io, levels, surrogate, charge, rule, n0, Math.Min(len, io.Neurons - n0), stride, scratch);
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
    private readonly record struct BackwardRule(bool Soft, bool Detach, bool NeedBeta, float VThreshold, float VReset)
    {
        /// <summary>Whether <c>dL/dS_any</c> can be non-zero: hard reset, not detached.</summary>
        public bool AnyGradient => !Soft && !Detach;
    }

    private static (double, double) BackwardChunk<TV, TS, TF, TC>(BackwardIo io, in LevelTable levels, TS surrogate, TC charge,
        BackwardRule rule, int n0, int len, int stride, float* scratch)
        where TV : unmanaged, IVec<TV> where TS : struct, ISurrogateDerivative where TF : struct, IFiringKernel where TC : struct, IChargeKernel
    {
        TV* spikes = stackalloc TV[32];
        int n = io.Neurons, steps = io.Steps;
        bool recompute = io.H == null;
        float* gvbuf = scratch;
        float* hs = scratch + stride, vs = scratch + stride * (1 + steps);
        var vReset = TV.Create(rule.VReset);
        var vth = TV.Create(rule.VThreshold);

        if (recompute)
        {
            // forward again over this chunk, keeping H[t] and V[t-1] in L2-resident scratch
            for (int i = 0; i < len; i += TV.Count) TV.Store(Lanes<TV>.Load(io.V0 + n0 + i, Math.Min(TV.Count, len - i)), gvbuf + i);
            for (int t = 0; t < steps; t++)
            {
                long row = (long)t * n + n0;
                float* ht = hs + (long)t * stride, vt = vs + (long)t * stride;
                for (int i = 0; i < len; i += TV.Count)
                {
                    var v = TV.Load(gvbuf + i);
                    var h = charge.Charge(v, Lanes<TV>.Load(io.X + row + i, Math.Min(TV.Count, len - i)));
                    var o = TF.Fire(h, levels, spikes, out var sAny);
                    if (rule.NeedBeta) TV.Store(v, vt + i);
                    TV.Store(h, ht + i);
                    TV.Store(rule.Soft ? h - o * rule.VThreshold : TV.ConditionalSelect(TV.Equal(sAny, TV.One), vReset, h), gvbuf + i);
                }
            }
        }

        for (int i = 0; i < len; i += TV.Count)
            TV.Store(io.GradVLast == null ? TV.Zero : Lanes<TV>.Load(io.GradVLast + n0 + i, Math.Min(TV.Count, len - i)), gvbuf + i);
        var gBeta = TV.Zero;
        var gVth = TV.Zero;
        float dhdx = charge.DhDx, dhdv = charge.DhDv;
        for (int t = steps - 1; t >= 0; t--)
        {
            long row = (long)t * n + n0;
            for (int i = 0; i < len; i += TV.Count)
            {
                int m = Math.Min(TV.Count, len - i);
                TV h, vPrev = default;
                if (recompute)
                {
                    h = TV.Load(hs + (long)t * stride + i);
                    if (rule.NeedBeta) vPrev = TV.Load(vs + (long)t * stride + i);
                }
                else
                {
                    h = Lanes<TV>.Load(io.H + row + i, m);
                    if (rule.NeedBeta)
                    {
                        if (t == 0) vPrev = Lanes<TV>.Load(io.V0 + n0 + i, m);
                        else
                        {
                            var hp = Lanes<TV>.Load(io.H + row - n + i, m);
                            var op = TF.Fire(hp, levels, spikes, out var sp);
                            vPrev = rule.Soft ? hp - op * rule.VThreshold : TV.ConditionalSelect(TV.Equal(sp, TV.One), vReset, hp);
                        }
                    }
                }
                var gV = TV.Load(gvbuf + i);
                var gO = Lanes<TV>.Load(io.GradO + row + i, m);
                // reset backward, split around the fire backward (which refires and returns O and S_any)
                var gSAny = rule.AnyGradient ? gV * (vReset - h) : TV.Zero;
                if (rule.Soft && !rule.Detach) gO = TV.FusedMultiplyAddNegated(gV, vth, gO);
                var gH = TF.Backward<TV, TS>(surrogate, h, levels, gO, gSAny, rule.AnyGradient, spikes, ref gVth, out var o, out var sAny);
                if (rule.Soft)
                {
                    gH += gV;
                    gVth = TV.FusedMultiplyAddNegated(o, gV, gVth);   // detach_reset detaches the spikes O, not V_th (SpikingJelly)
                }
                else gH += gV * (TV.One - sAny);
                Lanes<TV>.Store(gH * dhdx, io.GradX + row + i, m);
                if (rule.NeedBeta) gBeta += gH * charge.DhDBeta(vPrev, h);
                TV.Store(gH * dhdv, gvbuf + i);
            }
        }
        if (io.GradV0 != null)
            for (int i = 0; i < len; i += TV.Count) Lanes<TV>.Store(TV.Load(gvbuf + i), io.GradV0 + n0 + i, Math.Min(TV.Count, len - i));
        return (Lanes<TV>.Sum(gBeta), Lanes<TV>.Sum(gVth));
    }
}
