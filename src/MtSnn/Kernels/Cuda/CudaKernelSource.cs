using System.Security.Cryptography;
using System.Text;
using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Cuda;

/// <summary>
/// Generates the CUDA C source of the fused multi-threshold neuron (MT-SNN.md §2), the same forward and BPTT backward
/// as <see cref="CpuNeuronKernel"/>, specialised by constants (<see cref="CudaKernelSpec"/>). One thread per neuron
/// <c>i</c>, the time loop inside with the state in registers; every <c>[T, N]</c> access <c>t N + i</c> is coalesced
/// across a warp. The source has no includes and uses only <c>__global__</c>, <c>__device__</c>, <c>__shared__</c>,
/// <c>__syncthreads</c>, <c>atomicAdd</c>, <c>__float_as_uint</c>/<c>__uint_as_float</c> and C math, so it also
/// compiles as C++ against a small shim (the CPU emulation the tests use).
/// </summary>
public static partial class CudaKernelSource
{
    /// <summary>
    /// Forward kernel <c>(x, v0, o, vlast, hs, spikes, params, steps, n)</c>: per step <c>H = charge(V, X[t])</c>,
    /// fire, <c>O[t] = sum_k lambda_k S_k</c>, <c>H[t]</c> kept (float32) for a store-H backward, soft <c>V = H - V_th O</c> /
    /// hard <c>V = S_any ? V_reset : H</c>; <c>hs</c> (null for a recompute backward or a forward alone) and
    /// <c>spikes</c> (uint8 <c>[T, K, N]</c>) may be null. The text does not depend on
    /// <see cref="CudaKernelSpec.RecomputeSteps"/>: store-H and recompute share one compiled forward.
    /// </summary>
    public static CudaKernelCode Forward(CudaKernelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var o = spec.Options;
        string body = $$"""
            extern "C" __global__ void {{Placeholder}}(const mt_storage* __restrict__ x, const mt_storage* __restrict__ v0,
                mt_storage* __restrict__ o, mt_storage* __restrict__ vlast, float* __restrict__ hs,
                unsigned char* __restrict__ spikes, const float* __restrict__ params, int steps, long long n)
            {
                const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
                if (i >= n) return;
            {{LevelTable(spec)}}
                float v = mt_load(v0, i);
                for (int t = 0; t < steps; ++t)
                {
                    const long long at = (long long)t * n + i;
                    const float x_t = mt_load(x, at);
                    const float h = {{Charge(o, "x_t")}};
                    float o_t, s_any;
            {{Fire(o, "h", "o_t", "s_any", writeSpikes: true)}}
                    v = {{Reset(o, "h", "o_t", "s_any")}};
                    mt_store(o, at, o_t);
                    if (hs) hs[at] = h;
                }
                mt_store(vlast, i, v);
            }

            """;
        return Assemble(spec, "mtsnn_fwd", body);
    }

    /// <summary>
    /// Backward kernel <c>(hs, v0, go, gvlast, gx, gv0, acc, params, steps, n)</c>, BPTT t = T-1..0 with
    /// <c>gV = dL/dV[t]</c> from <c>dL/dV_last</c>: reset backward (soft: <c>gH = gV</c>, <c>gV_th -= O gV</c>, unless
    /// detached <c>gO -= V_th gV</c>; hard: <c>gH = gV (1 - S_any)</c>, unless detached <c>gS_any = gV (V_reset - H)</c>),
    /// fire backward through the surrogate (parallel: <c>S_any = S_K</c>; cascade: the residual chain and
    /// <c>S_any = 1 - prod_k (1 - S_k)</c>), charge backward (<c>dL/dX = gH dH/dX</c>, <c>gV = gH dH/dV</c>,
    /// <c>gbeta += gH dH/dbeta</c>). <c>go</c>, <c>gvlast</c>, <c>gv0</c> may be null (zeros / not written). When
    /// <c>acc</c> is non-null, <c>acc[0] += sum dL/dbeta</c> (PLIF with runtime a) and <c>acc[1] += sum dL/dV_th</c>:
    /// a tree reduction in shared memory per block, then one <c>atomicAdd</c> per block (float; the order of blocks is
    /// not deterministic).
    /// <para>Recompute (<see cref="CudaKernelSpec.RecomputeSteps"/> = T &gt; 0): the first argument is <c>x</c> (storage
    /// dtype) instead of <c>hs</c>; the kernel first re-runs the forward of its neuron from <c>V[-1]</c> over the T steps
    /// (<c>H[t] = charge(V[t-1], X[t])</c>, fire, reset: the forward's expressions, so H is bit-identical to the stored one)
    /// into a register array <c>hs_[T]</c>, both loops fully unrolled (<c>MT_T = T</c> is a compile-time constant, so
    /// every index is a constant and the array lives in registers), then runs the same BPTT on <c>hs_</c>.
    /// <c>steps</c> is ignored (the launcher checks it equals T).</para>
    /// </summary>
    public static CudaKernelCode Backward(CudaKernelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var o = spec.Options;
        bool soft = IsSoft(o.EffectiveReset), detach = o.DetachReset, needBeta = spec.RuntimePlifA, recompute = spec.Recomputes;
        var (dhdx, dhdv) = ChargeDerivatives(o);
        string previousH = recompute ? "hs_[t - 1]" : "hs[at - n]";
        string previous = needBeta
            ? $$"""
                        float h_prev = 0.0f, v_prev;
                        if (t == 0) v_prev = mt_load(v0, i);
                        else
                        {
                            h_prev = {{previousH}};
                            float o_p, s_p;
                {{Fire(o, "h_prev", "o_p", "s_p", writeSpikes: false)}}
                            v_prev = {{Reset(o, "h_prev", "o_p", "s_p")}};
                        }
                """
            : $"            const float h_prev = t > 0 ? {previousH} : 0.0f;\n";
        string body = $$"""
            {{SurrogateFunction(o.Surrogate)}}
            {{(recompute ? $"constexpr int MT_T = {spec.RecomputeSteps};\n" : "")}}extern "C" __global__ void {{Placeholder}}({{(recompute ? "const mt_storage* __restrict__ x" : "const float* __restrict__ hs")}}, const mt_storage* __restrict__ v0,
                const mt_storage* __restrict__ go, const mt_storage* __restrict__ gvlast, mt_storage* __restrict__ gx,
                mt_storage* __restrict__ gv0, float* __restrict__ acc, const float* __restrict__ params, int steps, long long n)
            {
                const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
                float g_beta = 0.0f, g_vth = 0.0f;
                if (i < n)
                {
            {{LevelTable(spec)}}
                    float gv = gvlast ? mt_load(gvlast, i) : 0.0f;
            {{(recompute ? Recompute(o) : StoredLast)}}
                    {
                        const long long at = (long long)t * n + i;
            {{previous}}
                        float g_o = go ? mt_load(go, at) : 0.0f;
                        const float g_sany = {{(!soft && !detach ? $"gv * ({F((float)o.VReset)} - h)" : "0.0f")}};
                        {{(soft && !detach ? "g_o -= gv * vth;" : "")}}
                        float g_h, o_t = 0.0f, s_any;
            {{FireBackward(o)}}
                        {{(soft ? "g_h += gv; g_vth -= o_t * gv;" : "g_h += gv * (1.0f - s_any);")}}
                        mt_store(gx, at, g_h * {{dhdx}});
                        {{(needBeta ? $"g_beta += g_h * {DhDBeta(o)};" : "")}}
                        gv = g_h * {{dhdv}};
                        h = h_prev;
                    }
                    if (gv0) mt_store(gv0, i, gv);
                }
                if (!acc) return;
                __shared__ float red[2 * MT_BLOCK];
                red[threadIdx.x] = g_beta;
                red[MT_BLOCK + threadIdx.x] = g_vth;
                __syncthreads();
                for (int s = MT_BLOCK / 2; s > 0; s >>= 1)
                {
                    if ((int)threadIdx.x < s)
                    {
                        red[threadIdx.x] += red[threadIdx.x + s];
                        red[MT_BLOCK + threadIdx.x] += red[MT_BLOCK + threadIdx.x + s];
                    }
                    __syncthreads();
                }
                if (threadIdx.x == 0)
                {
                    {{(needBeta ? "atomicAdd(acc, red[0]);" : "")}}
                    atomicAdd(acc + 1, red[MT_BLOCK]);
                }
            }

            """;
        return Assemble(spec, "mtsnn_bwd", body);
    }

    /// <summary>The two kernels of <paramref name="spec"/>.</summary>
    public static (CudaKernelCode Forward, CudaKernelCode Backward) Both(CudaKernelSpec spec) => (Forward(spec), Backward(spec));

    private const string Placeholder = "MTSNN_ENTRY";

    /// <summary>Store-H: the last step's H from <c>hs</c>, then the BPTT loop header over the run-time <c>steps</c>.</summary>
    private const string StoredLast = """
                float h = steps > 0 ? hs[(long long)(steps - 1) * n + i] : 0.0f;
                for (int t = steps - 1; t >= 0; --t)
        """;

    /// <summary>
    /// Recompute: the forward of this neuron over <c>MT_T</c> steps into <c>hs_</c> (registers), then the unrolled BPTT
    /// loop header; the expressions are the forward kernel's, so every <c>hs_[t]</c> equals the H it would have stored.
    /// </summary>
    private static string Recompute(NeuronOptions o) => $$"""
                (void)steps;
                float hs_[MT_T];
                {
                    float v = mt_load(v0, i);
                    #pragma unroll
                    for (int t = 0; t < MT_T; ++t)
                    {
                        const float x_t = mt_load(x, (long long)t * n + i);
                        const float h = {{Charge(o, "x_t")}};
                        float o_t, s_any;
        {{Fire(o, "h", "o_t", "s_any", writeSpikes: false)}}
                        v = {{Reset(o, "h", "o_t", "s_any")}};
                        hs_[t] = h;
                    }
                }
                float h = hs_[MT_T - 1];
                #pragma unroll
                for (int t = MT_T - 1; t >= 0; --t)
        """;

    /// <summary>Fire backward (statements): sets <c>g_h</c>, <c>o_t</c>, <c>s_any</c>, subtracts the thresholds' share from <c>g_vth</c>.</summary>
    private static string FireBackward(NeuronOptions o) => FiringRules.Select(o.Mode, new FireBackwardText());

    /// <summary>The fire backward statements of one rule (<see cref="IFiringKernel.CudaFireBackward"/>).</summary>
    private sealed class FireBackwardText : IFiringVisitor<string>
    {
        public string Visit<TF>() where TF : struct, IFiringKernel => TF.CudaFireBackward;
    }

    private static CudaKernelCode Assemble(CudaKernelSpec spec, string prefix, string body)
    {
        var o = spec.Options;
        string header =
            $"// MtSnn fused multi-threshold neuron (MT-SNN.md §2), generated by MtSnn.Kernels.Cuda.CudaKernelSource.\n" +
            $"// {o.Dynamics}{(o.Dynamics == Dynamics.IF ? "" : $" decay_input={o.DecayInput}")} {o.Mode} K={o.Levels} " +
            $"{o.EffectivePreset} {o.EffectiveReset} detach_reset={o.DetachReset} surrogate={o.Surrogate} width={o.SurrogateWidth} normalize={o.NormalizeLevelGradient} storage={spec.Storage} " +
            $"runtime_vth={spec.RuntimeVThreshold} runtime_a={spec.RuntimePlifA}\n" +
            $"constexpr int MT_K = {o.Levels};\nconstexpr int MT_BLOCK = {spec.BlockSize};\n" + StorageHelpers(spec.Storage);
        string text = header + body;
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        string entry = $"{prefix}_{hash}";
        return new CudaKernelCode(entry, text.Replace(Placeholder, entry, StringComparison.Ordinal));
    }
}
