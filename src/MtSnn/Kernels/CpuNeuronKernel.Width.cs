using System.Runtime.Intrinsics;

namespace MtSnn.Kernels;

/// <summary>The vector width of the fused CPU kernel: chosen once per process, overridable by an environment variable.</summary>
public static partial class CpuNeuronKernel
{
    /// <summary>Environment variable that forces the vector width: <c>256</c> or <c>512</c>.</summary>
    public const string VectorBitsVariable = "MTSNN_CPU_VECTOR_BITS";

    private static readonly Lazy<int> s_vectorBits = new(() =>
        ChooseVectorBits(Environment.GetEnvironmentVariable(VectorBitsVariable), Vector512.IsHardwareAccelerated));

    [ThreadStatic] private static int t_vectorBitsOverride;
    [ThreadStatic] private static int t_lastVectorBits;

    /// <summary>
    /// Bits per vector the kernel runs with in this process (float lanes = bits / 32): 512 where
    /// <see cref="Vector512.IsHardwareAccelerated"/>, else 256; <see cref="VectorBitsVariable"/> (256 or 512) overrides.
    /// Throws <see cref="ArgumentException"/> for any other value of the variable and <see cref="NotSupportedException"/>
    /// when it asks for 512 on hardware without 512-bit vectors (no silent fallback).
    /// </summary>
    public static int VectorBits => s_vectorBits.Value;

    /// <summary>The width rule of <see cref="VectorBits"/> for a given variable value and hardware.</summary>
    internal static int ChooseVectorBits(string? setting, bool has512)
    {
        if (string.IsNullOrWhiteSpace(setting)) return has512 ? 512 : 256;
        return setting.Trim() switch
        {
            "256" => 256,
            "512" when has512 => 512,
            "512" => throw new NotSupportedException($"{VectorBitsVariable}=512, but this CPU has no hardware-accelerated 512-bit vectors (allowed here: 256)"),
            _ => throw new ArgumentException($"invalid {VectorBitsVariable} '{setting}' (allowed: 256, 512)"),
        };
    }

    /// <summary>
    /// Runs the kernel at <paramref name="bits"/> (256 or 512) on this thread until the returned scope is disposed
    /// (tests; 512 then runs even without hardware support, on the runtime's software vectors).
    /// </summary>
    internal static VectorBitsScope UseVectorBits(int bits)
    {
        if (bits is not (256 or 512)) throw new ArgumentException($"vector bits must be 256 or 512 (got {bits})");
        int previous = t_vectorBitsOverride;
        t_vectorBitsOverride = bits;
        return new VectorBitsScope(previous);
    }

    /// <summary>The width the last kernel call on this thread ran with (tests reset it to 0 and read it back).</summary>
    internal static int LastVectorBits { get => t_lastVectorBits; set => t_lastVectorBits = value; }

    /// <summary>Restores the previous width override when disposed.</summary>
    internal readonly struct VectorBitsScope(int previous) : IDisposable
    {
        public void Dispose() => t_vectorBitsOverride = previous;
    }

    /// <summary>The width for this call: the thread's override, else <see cref="VectorBits"/>.</summary>
    private static bool Use512()
    {
        int bits = t_vectorBitsOverride != 0 ? t_vectorBitsOverride : VectorBits;
        t_lastVectorBits = bits;
        return bits == 512;
    }
}
