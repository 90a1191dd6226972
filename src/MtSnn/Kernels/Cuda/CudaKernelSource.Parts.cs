using System.Globalization;
using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Cuda;

public static partial class CudaKernelSource
{
    /// <summary>
    /// Load and store of the storage type with float math. float16: IEEE binary16, round-to-nearest-even on store,
    /// subnormals kept, overflow to infinity; bfloat16: the top 16 bits of a float, round-to-nearest-even, NaN kept
    /// quiet. Integer code only (no cuda_fp16.h: NVRTC from a pip wheel has no headers), so the same text is tested on
    /// the CPU.
    /// </summary>
    public static string StorageHelpers(ScalarType storage) => storage switch
    {
        ScalarType.Float32 => """
            typedef float mt_storage;
            __device__ __forceinline__ float mt_load(const mt_storage* p, long long i) { return p[i]; }
            __device__ __forceinline__ void mt_store(mt_storage* p, long long i, float v) { p[i] = v; }

            """,
        ScalarType.BFloat16 => """
            typedef unsigned short mt_storage;
            __device__ __forceinline__ float mt_load(const mt_storage* p, long long i) { return __uint_as_float(((unsigned int)p[i]) << 16); }
            __device__ __forceinline__ void mt_store(mt_storage* p, long long i, float v)
            {
                unsigned int b = __float_as_uint(v);
                if ((b & 0x7fffffffu) > 0x7f800000u) { p[i] = (unsigned short)((b >> 16) | 0x0040u); return; }
                b += 0x7fffu + ((b >> 16) & 1u);
                p[i] = (unsigned short)(b >> 16);
            }

            """,
        ScalarType.Float16 => """
            typedef unsigned short mt_storage;
            __device__ __forceinline__ float mt_load(const mt_storage* p, long long i)
            {
                unsigned int h = p[i], sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
                if (e == 0x1fu) return __uint_as_float(sign | 0x7f800000u | (m << 13));
                if (e != 0u) return __uint_as_float(sign | ((e + 112u) << 23) | (m << 13));
                float f = (float)m * 5.9604644775390625e-8f;
                return sign ? -f : f;
            }
            __device__ __forceinline__ void mt_store(mt_storage* p, long long i, float v)
            {
                unsigned int b = __float_as_uint(v), sign = (b >> 16) & 0x8000u, a = b & 0x7fffffffu, r;
                if (a > 0x7f800000u) r = 0x7e00u;
                else if (a >= 0x477ff000u) r = 0x7c00u;
                else if (a >= 0x38800000u) r = (a + 0xfffu + ((a >> 13) & 1u) - 0x38000000u) >> 13;
                else if (a > 0x33000000u)
                {
                    unsigned int mm = (a & 0x7fffffu) | 0x800000u, s = 126u - (a >> 23);
                    unsigned int q = mm >> s, rem = mm & ((1u << s) - 1u), half = 1u << (s - 1u);
                    r = q + ((rem > half || (rem == half && (q & 1u))) ? 1u : 0u);
                }
                else r = 0u;
                p[i] = (unsigned short)(sign | r);
            }

            """,
        _ => throw new ArgumentException($"the CUDA neuron kernel stores float32, float16 or bfloat16 (got {storage})"),
    };

    /// <summary>The surrogate derivative <c>g(u)</c> as a device function: the body its record gives (<see cref="IBuiltInSurrogate.CudaBody"/>).</summary>
    internal static string SurrogateFunction(Surrogate surrogate)
    {
        string body = surrogate is IBuiltInSurrogate s
            ? s.CudaBody
            : throw new NotSupportedException($"the CUDA kernel has no form of surrogate {surrogate.GetType().Name} (supported: {Surrogates.Names})");
        return $"__device__ __forceinline__ float mt_surrogate(float u) {{ {body} }}\n";
    }

    /// <summary>
    /// The level table and layer constants as locals: <c>vth</c>, <c>theta_k</c> (<c>th</c>), <c>V_th lambda_k</c> (<c>rs</c>),
    /// <c>lambda_k</c> (<c>w</c>), <c>c_k</c> (<c>sc</c>), the surrogate's <c>1 / s_k</c> (<c>si</c>) and <c>m_k</c> (<c>sg</c>), <c>beta</c>. Runtime values are rounded exactly as
    /// <see cref="KernelParameters"/> rounds them (products in double, then to float).
    /// </summary>
    internal static string LevelTable(CudaKernelSpec spec)
    {
        var o = spec.Options;
        var p = KernelParameters.From(o);
        var b = new System.Text.StringBuilder();
        b.Append($"    const float w[MT_K] = {{ {string.Join(", ", p.Weights.Select(F))} }};\n");
        b.Append($"    const float sc[MT_K] = {{ {string.Join(", ", p.Scales.Select(F))} }};\n");
        b.Append($"    const float si[MT_K] = {{ {string.Join(", ", p.SurrogateInverseWidths.Select(F))} }};\n");
        b.Append($"    const float sg[MT_K] = {{ {string.Join(", ", p.SurrogateGains.Select(F))} }};\n");
        if (spec.RuntimeVThreshold)
        {
            b.Append("    const float vth = params[1];\n    float th[MT_K], rs[MT_K];\n");
            for (int k = 0; k < p.Levels; k++)
            {
                b.Append($"    th[{k}] = (float)((double)vth * {D(o.ThresholdScales[k])});\n");
                b.Append($"    rs[{k}] = (float)((double)vth * {D(o.LevelWeights[k])});\n");
            }
        }
        else
        {
            b.Append($"    const float vth = {F((float)p.VThreshold)};\n");
            b.Append($"    const float th[MT_K] = {{ {string.Join(", ", p.Thresholds.Select(F))} }};\n");
            b.Append($"    const float rs[MT_K] = {{ {string.Join(", ", p.ResidualSteps.Select(F))} }};\n");
        }
        if (o.Dynamics == Dynamics.PLIF && spec.RuntimePlifA)
            b.Append("    const float beta = (float)(1.0 / (1.0 + exp(-(double)params[0])));\n");
        else
            b.Append($"    const float beta = {F((float)p.Beta)};\n");
        b.Append("    (void)vth; (void)th; (void)rs; (void)w; (void)sc; (void)si; (void)sg; (void)beta;\n");
        return b.ToString();
    }

    /// <summary>Charge <c>H = f(V, X)</c> (MT-SNN.md §2) as an expression in <c>v</c> and <paramref name="x"/>.</summary>
    internal static string Charge(NeuronOptions o, string x)
    {
        string vr = F((float)o.VReset);
        return o.Dynamics switch
        {
            Dynamics.IF => $"v + {x}",
            Dynamics.LIF or Dynamics.PLIF => o.DecayInput ? $"v + ({x} - (v - {vr})) * beta" : $"v - (v - {vr}) * beta + {x}",
            _ => throw UnknownOption.Of(o.Dynamics, "dynamics"),
        };
    }

    /// <summary><c>(dH/dX, dH/dV)</c> as expressions.</summary>
    internal static (string DhDx, string DhDv) ChargeDerivatives(NeuronOptions o) => o.Dynamics switch
    {
        Dynamics.IF => ("1.0f", "1.0f"),
        Dynamics.LIF or Dynamics.PLIF => (o.DecayInput ? "beta" : "1.0f", "(1.0f - beta)"),
        _ => throw UnknownOption.Of(o.Dynamics, "dynamics"),
    };

    /// <summary><c>dH/dbeta</c> from <c>v_prev</c> (= V[t-1]) and <c>h</c>: <c>(H - V)/beta</c> (decay_input) or <c>V_reset - V</c>.</summary>
    internal static string DhDBeta(NeuronOptions o) =>
        o.DecayInput ? "(h - v_prev) * (1.0f / beta)" : $"({F((float)o.VReset)} - v_prev)";

    /// <summary>
    /// Fire on <paramref name="h"/> into <paramref name="o"/> and <paramref name="sAny"/> (statements); writes the spike
    /// planes <c>S[t, k, i]</c> when <paramref name="writeSpikes"/> and the pointer is non-null.
    /// </summary>
    internal static string Fire(NeuronOptions o, string h, string output, string sAny, bool writeSpikes)
    {
        string store = writeSpikes ? "if (spikes) spikes[((long long)t * MT_K + k) * n + i] = (unsigned char)s_;" : "";
        return FiringRules.Select(o.Mode, new FireText(h, output, sAny, store));
    }

    /// <summary>The forward fire statements of one rule (<see cref="IFiringKernel.CudaFire"/>).</summary>
    private sealed class FireText(string h, string output, string sAny, string store) : IFiringVisitor<string>
    {
        public string Visit<TF>() where TF : struct, IFiringKernel => TF.CudaFire(h, output, sAny, store);
    }

    /// <summary>The membrane after reset: soft <c>H - V_th O</c>, hard <c>S_any ? V_reset : H</c>.</summary>
    internal static string Reset(NeuronOptions o, string h, string output, string sAny) =>
        IsSoft(o.EffectiveReset) ? $"{h} - {output} * vth" : $"({sAny} == 1.0f ? {F((float)o.VReset)} : {h})";

    /// <summary>Whether the reset is soft or hard; any other value throws, naming it.</summary>
    internal static bool IsSoft(ResetMode reset) => reset switch
    {
        ResetMode.Soft => true,
        ResetMode.Hard => false,
        _ => throw UnknownOption.Of(reset, "reset"),
    };

    /// <summary>A float literal that round-trips exactly (<c>1.0f</c>, <c>0.333333343f</c>, <c>1E-05f</c>).</summary>
    internal static string F(float v)
    {
        if (!float.IsFinite(v)) throw new ArgumentException($"kernel constants must be finite (got {v})");
        return Decimal(MtSnn.IO.RoundTripNumber.Format(v)) + "f";
    }

    /// <summary>A double literal that round-trips exactly.</summary>
    internal static string D(double v)
    {
        if (!double.IsFinite(v)) throw new ArgumentException($"kernel constants must be finite (got {v})");
        return Decimal(MtSnn.IO.RoundTripNumber.Format(v));
    }

    private static string Decimal(string s) => s.Contains('.') || s.Contains('E') ? s : s + ".0";
}
