using System.Runtime.CompilerServices;
using MtSnn.Neurons;

namespace MtSnn.Kernels;

/// <summary>
/// A firing rule (MT-SNN.md §2, "Fire") on vectors of any width: the spikes <c>S_k</c>, the graded output
/// <c>O = sum_k lambda_k S_k</c> and the "any level fired" indicator <c>S_any</c> used by the hard reset, plus
/// their backward. Static members on a struct, so generic kernels are specialised per rule.
/// </summary>
internal unsafe interface IFiringKernel
{
    /// <summary>Fires on <c>H</c>: writes <c>S_k</c> (0 or 1) to <paramref name="spikes"/>[k], returns <c>O</c>, sets <c>S_any</c>.</summary>
    static abstract unsafe TV Fire<TV>(TV h, in LevelTable levels, TV* spikes, out TV sAny) where TV : unmanaged, IVec<TV>;

    /// <summary>
    /// Backward of the fire step: given <c>dL/dO</c> and <c>dL/dS_any</c>, returns <c>dL/dH</c> through the levels
    /// (surrogate <c>dS_k/du = m_k g((u - theta_k) / s_k)</c>) and adds <c>dL/dV_th</c> (thresholds and cascade residual) to
    /// <paramref name="gradVth"/>. <paramref name="scratch"/> holds at least 2K vectors. It refires on the way and
    /// returns this step's <c>O</c> and <c>S_any</c> too (the reset's backward needs them). <paramref name="anyGradient"/>
    /// false promises <c>dL/dS_any = 0</c> (soft or detached reset), so the rule may skip routing it.
    /// </summary>
    static abstract unsafe TV Backward<TV, TSurrogate>(in TSurrogate surrogate, TV h, in LevelTable levels,
        TV gradO, TV gradSAny, bool anyGradient, TV* scratch, ref TV gradVth, out TV o, out TV sAny)
        where TV : unmanaged, IVec<TV> where TSurrogate : struct, ISurrogateDerivative;

    /// <summary>
    /// The same fire step in CUDA C (statements, <see cref="Cuda.CudaKernelSource"/>): on the expression
    /// <paramref name="h"/>, sets <paramref name="output"/> (<c>O</c>) and <paramref name="sAny"/>; runs
    /// <paramref name="store"/> (the spike-plane write, or nothing) with <c>s_</c> = <c>S_k</c> for every level k.
    /// </summary>
    static abstract string CudaFire(string h, string output, string sAny, string store);

    /// <summary>
    /// The same fire backward in CUDA C (statements): from <c>h</c>, <c>g_o</c>, <c>g_sany</c> and the level table,
    /// sets <c>g_h</c>, <c>o_t</c>, <c>s_any</c> and subtracts the thresholds' share from <c>g_vth</c>.
    /// </summary>
    static abstract string CudaFireBackward { get; }
}

/// <summary>What a backend does with a firing rule: <see cref="FiringRules.Select"/> calls <see cref="Visit"/> with the rule's struct.</summary>
internal interface IFiringVisitor<out TResult>
{
    /// <summary>Runs the backend's code for the rule <typeparamref name="TF"/>.</summary>
    TResult Visit<TF>() where TF : struct, IFiringKernel;
}

/// <summary>
/// The one table from <see cref="FiringMode"/> to its rule, which carries the rule's CPU (vector) and CUDA forms: the CPU
/// kernel's forward and backward and the CUDA source generator all select through it; a mode without an entry throws,
/// naming it. (The composed reference, <see cref="ReferenceNeuron.Fire"/>, is the independent oracle they are tested
/// against; the runtime engine has its own rules in integer arithmetic.)
/// </summary>
internal static class FiringRules
{
    /// <summary>Calls <paramref name="visitor"/> with the rule of <paramref name="mode"/>.</summary>
    public static TResult Select<TResult>(FiringMode mode, IFiringVisitor<TResult> visitor) => mode switch
    {
        FiringMode.Single or FiringMode.Parallel => visitor.Visit<ParallelFiring>(),
        FiringMode.Cascade => visitor.Visit<CascadeFiring>(),
        _ => throw UnknownOption.Of(mode, "firing mode"),
    };
}

/// <summary>
/// Parallel (and single, K = 1): <c>S_k = Step(H - theta_k)</c>. Thresholds descend, so <c>S_any = max_k S_k = S_K</c>;
/// its gradient is routed to level K (the argmax): <c>dS_any/dS_K = 1</c>, other levels 0.
/// Backward: <c>dL/dS_k = lambda_k dL/dO + [k = K] dL/dS_any</c>; <c>dL/dH = sum_k dL/dS_k g(H - theta_k)</c>;
/// <c>dL/dV_th = -sum_k c_k dL/dS_k g(H - theta_k)</c>.
/// </summary>
internal readonly struct ParallelFiring : IFiringKernel
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe TV Fire<TV>(TV h, in LevelTable levels, TV* spikes, out TV sAny) where TV : unmanaged, IVec<TV>
    {
        float* th = levels.Thresholds, w = levels.Weights, rs = levels.ResidualSteps, sc = levels.Scales,
            si = levels.SurrogateInverseWidths, sg = levels.SurrogateGains;
        var o = TV.Zero;
        var s = TV.Zero;
        for (int k = 0; k < levels.Levels; k++)
        {
            s = TV.Step(h, TV.Create(th[k]));
            spikes[k] = s;
            o += s * w[k];
        }
        sAny = s;
        return o;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe TV Backward<TV, TSurrogate>(in TSurrogate surrogate, TV h, in LevelTable levels,
        TV gradO, TV gradSAny, bool anyGradient, TV* scratch, ref TV gradVth, out TV o, out TV sAny)
        where TV : unmanaged, IVec<TV> where TSurrogate : struct, ISurrogateDerivative
    {
        float* th = levels.Thresholds, w = levels.Weights, rs = levels.ResidualSteps, sc = levels.Scales,
            si = levels.SurrogateInverseWidths, sg = levels.SurrogateGains;
        var gh = TV.Zero;
        var gth = TV.Zero;
        var sum = TV.Zero;
        var s = TV.Zero;
        int last = levels.Levels - 1;
        for (int k = 0; k <= last; k++)
        {
            var lambda = w[k];
            var u = h - TV.Create(th[k]);
            s = TV.Step(u, TV.Zero);
            sum += s * lambda;
            var gs = gradO * lambda;
            if (k == last) gs += gradSAny;
            var gu = gs * (surrogate.Derivative(u * si[k]) * sg[k]);
            gh += gu;
            gth += gu * sc[k];
        }
        gradVth -= gth;
        o = sum;
        sAny = s;
        return gh;
    }

    /// <inheritdoc/>
    public static string CudaFire(string h, string output, string sAny, string store) => $$"""
                    {{output}} = 0.0f;
                    {
                        float s_ = 0.0f;
                        #pragma unroll
                        for (int k = 0; k < MT_K; ++k)
                        {
                            s_ = {{h}} >= th[k] ? 1.0f : 0.0f;
                            {{store}}
                            {{output}} += s_ * w[k];
                        }
                        {{sAny}} = s_;
                    }

            """;

    /// <inheritdoc/>
    public static string CudaFireBackward => """
                      {
                          float gth_ = 0.0f, s_ = 0.0f;
                          g_h = 0.0f;
                          #pragma unroll
                          for (int k = 0; k < MT_K; ++k)
                          {
                              const float u_ = h - th[k];
                              s_ = u_ >= 0.0f ? 1.0f : 0.0f;
                              o_t += s_ * w[k];
                              float gs_ = g_o * w[k];
                              if (k == MT_K - 1) gs_ += g_sany;
                              const float gu_ = gs_ * (mt_surrogate(u_ * si[k]) * sg[k]);
                              g_h += gu_;
                              gth_ += gu_ * sc[k];
                          }
                          g_vth -= gth_;
                          s_any = s_;
                      }
          """;
}

/// <summary>
/// Cascade: <c>R_1 = H; S_k = Step(R_k - theta_k); R_{k+1} = R_k - V_th lambda_k S_k</c>.
/// <c>S_any = 1 - prod_k (1 - S_k)</c>, so <c>dS_any/dS_j = prod_{k != j} (1 - S_k)</c>: 1 for every level when none
/// fired, 1 for the only level that fired when exactly one did, 0 otherwise.
/// Backward, k = K..1 with <c>gR_{K+1} = 0</c>: <c>dL/dS_k = lambda_k dL/dO + dL/dS_any dS_any/dS_k - V_th lambda_k gR_{k+1}</c>;
/// <c>gu_k = dL/dS_k g(R_k - theta_k)</c>; <c>gR_k = gR_{k+1} + gu_k</c>;
/// <c>dL/dV_th += -lambda_k S_k gR_{k+1} - c_k gu_k</c>; finally <c>dL/dH = gR_1</c>.
/// </summary>
internal readonly struct CascadeFiring : IFiringKernel
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe TV Fire<TV>(TV h, in LevelTable levels, TV* spikes, out TV sAny) where TV : unmanaged, IVec<TV>
    {
        float* th = levels.Thresholds, w = levels.Weights, rs = levels.ResidualSteps;
        var o = TV.Zero;
        var any = TV.Zero;
        var r = h;
        for (int k = 0; k < levels.Levels; k++)
        {
            var s = TV.Step(r, TV.Create(th[k]));
            spikes[k] = s;
            // S is 0 or 1, so the products are exact and the fused forms round exactly as r - S rs, o + S w
            r = TV.FusedMultiplyAddNegated(s, TV.Create(rs[k]), r);
            o = TV.FusedMultiplyAdd(s, TV.Create(w[k]), o);
            any |= s;   // the bitwise or of 0s and 1s is their maximum
        }
        sAny = any;
        return o;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The refire keeps <c>u_k = R_k - theta_k</c> and <c>lambda_k S_k</c> per level in <paramref name="scratch"/>
    /// (<c>S_k = Step(u_k)</c> is recomputed from u_k only when <c>dL/dS_any</c> must be routed).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe TV Backward<TV, TSurrogate>(in TSurrogate surrogate, TV h, in LevelTable levels,
        TV gradO, TV gradSAny, bool anyGradient, TV* scratch, ref TV gradVth, out TV o, out TV sAny)
        where TV : unmanaged, IVec<TV> where TSurrogate : struct, ISurrogateDerivative
    {
        float* th = levels.Thresholds, w = levels.Weights, rs = levels.ResidualSteps, sc = levels.Scales,
            si = levels.SurrogateInverseWidths, sg = levels.SurrogateGains;
        int levelsCount = levels.Levels;
        var sum = TV.Zero;
        var u = scratch;
        var weighted = scratch + levelsCount;
        var r = h;
        var fired = TV.Zero;
        for (int k = 0; k < levelsCount; k++)
        {
            var theta = TV.Create(th[k]);
            var s = TV.Step(r, theta);
            var ws = s * w[k];
            u[k] = r - theta;
            weighted[k] = ws;
            fired += s;
            sum += ws;
            r = TV.FusedMultiplyAddNegated(s, TV.Create(rs[k]), r);
        }
        o = sum;
        sAny = TV.Min(fired, TV.One);
        var gr = TV.Zero;
        var gth = TV.Zero;
        for (int k = levelsCount - 1; k >= 0; k--)
        {
            var uk = u[k];
            var g = surrogate.Derivative(uk * si[k]) * sg[k];
            var ag = gradO * w[k];
            if (anyGradient)
            {
                // prod_{j != k} (1 - S_j) = 1 exactly when no other level fired
                var s = TV.Step(uk, TV.Zero);
                ag += TV.Equal(fired - s, TV.Zero) & gradSAny;
            }
            ag *= g;
            // gu = (a - V_th lambda_k gR) g; gR <- gR + gu
            var gu = TV.FusedMultiplyAddNegated(gr, g * rs[k], ag);
            gth = TV.FusedMultiplyAdd(gr, weighted[k], gth);
            gth = TV.FusedMultiplyAdd(gu, TV.Create(sc[k]), gth);
            gr += gu;
        }
        gradVth -= gth;
        return gr;
    }

    /// <inheritdoc/>
    public static string CudaFire(string h, string output, string sAny, string store) => $$"""
                    {{output}} = 0.0f; {{sAny}} = 0.0f;
                    {
                        float r_ = {{h}};
                        #pragma unroll
                        for (int k = 0; k < MT_K; ++k)
                        {
                            float s_ = r_ >= th[k] ? 1.0f : 0.0f;
                            {{store}}
                            r_ -= s_ * rs[k];
                            {{output}} += s_ * w[k];
                            {{sAny}} = fmaxf({{sAny}}, s_);
                        }
                    }

            """;

    /// <inheritdoc/>
    public static string CudaFireBackward => """
                      {
                          float u_[MT_K], sp_[MT_K], r_ = h, fired_ = 0.0f;
                          #pragma unroll
                          for (int k = 0; k < MT_K; ++k)
                          {
                              const float s_ = r_ >= th[k] ? 1.0f : 0.0f;
                              u_[k] = r_ - th[k];
                              sp_[k] = s_;
                              fired_ += s_;
                              o_t += s_ * w[k];
                              r_ -= s_ * rs[k];
                          }
                          s_any = fminf(fired_, 1.0f);
                          float gr_ = 0.0f, gth_ = 0.0f;
                          #pragma unroll
                          for (int k = MT_K - 1; k >= 0; --k)
                          {
                              const float s_ = sp_[k], g_ = mt_surrogate(u_[k] * si[k]) * sg[k];
                              const float route_ = fired_ - s_ == 0.0f ? g_sany : 0.0f;
                              const float ag_ = (g_o * w[k] + route_) * g_;
                              const float rg_ = g_ * rs[k];
                              const float gu_ = ag_ - gr_ * rg_;
                              gth_ += gr_ * s_ * w[k] + gu_ * sc[k];
                              gr_ = fmaf(gr_, 1.0f - rg_, ag_);
                          }
                          g_vth -= gth_;
                          g_h = gr_;
                      }
          """;
}
