using System.Runtime.Intrinsics;
using MtSnn.Settings;

namespace MtSnn.Kernels;

/// <summary>The vector width of the fused CPU kernel: chosen once per process, overridable by an environment variable.</summary>
public static partial class CpuNeuronKernel
{
    /// <summary>Environment variable that forces the vector width: <c>256</c> or <c>512</c>.</summary>
    public const string VectorBitsVariable = "MTSNN_CPU_VECTOR_BITS";

    /// <summary>
    /// Bits per vector the kernel runs with in this process (float lanes = bits / 32): 512 where
    /// <see cref="Vector512.IsHardwareAccelerated"/>, else 256; <see cref="VectorBitsVariable"/> (256 or 512) overrides
    /// (<see cref="MtSnnSettings.CpuVectorBits"/>, parsed once). Throws <see cref="SettingException"/> for any other value
    /// of the variable, or when it asks for 512 on hardware without 512-bit vectors (no silent fallback).
    /// </summary>
    public static int VectorBits => MtSnnSettings.Current.CpuVectorBits;

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
    /// Runs the kernel at <paramref name="bits"/> (256 or 512) on this thread until the returned probe is disposed, and
    /// records the width of each call in it (tests; 512 then runs even without hardware support, on the runtime's
    /// software vectors).
    /// </summary>
    internal static CpuKernelProbe UseVectorBits(int bits)
    {
        if (bits is not (256 or 512)) throw new ArgumentException($"vector bits must be 256 or 512 (got {bits})");
        return new CpuKernelProbe(bits);
    }

    /// <summary>Records the width of each call on this thread, without changing it, until the returned probe is disposed (tests).</summary>
    internal static CpuKernelProbe Observe() => new(0);

    /// <summary>The width the last kernel call on this thread ran with, in this thread's innermost probe (tests reset it to 0 and read it back).</summary>
    /// <exception cref="InvalidOperationException">No probe is installed on this thread (<see cref="UseVectorBits"/>, <see cref="Observe"/>).</exception>
    internal static int LastVectorBits
    {
        get => Probe().LastVectorBits;
        set => Probe().LastVectorBits = value;
    }

    private static CpuKernelProbe Probe() => CpuKernelProbe.Current
        ?? throw new InvalidOperationException("no CPU kernel probe on this thread (CpuNeuronKernel.UseVectorBits or Observe installs one)");

    /// <summary>The width for this call: a test probe's override, else <see cref="VectorBits"/>. Read once per call, before the loops.</summary>
    private static bool Use512()
    {
        var probe = CpuKernelProbe.Current;   // one static read while no test installed a probe
        if (probe is null) return VectorBits == 512;
        int bits = probe.VectorBits != 0 ? probe.VectorBits : VectorBits;
        probe.LastVectorBits = bits;
        return bits == 512;
    }
}
