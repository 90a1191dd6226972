using System.Runtime.InteropServices;

namespace MtSnn.Native;

/// <summary>How the C library's allocator (which libtorch's CPU tensors use) should treat large freed blocks.</summary>
public enum CpuAllocatorMode
{
    /// <summary>Nothing changed: glibc serves blocks above its (dynamic, at most 32 MB) mmap threshold with fresh pages and unmaps them on free.</summary>
    Default,

    /// <summary>
    /// glibc keeps freed memory for reuse: <c>mallopt(M_MMAP_THRESHOLD, 1 GiB)</c> and
    /// <c>mallopt(M_TRIM_THRESHOLD, -1)</c> (never trim). Training no longer page-faults its activations every step
    /// (faster), at the cost of a higher peak resident set.
    /// </summary>
    Retain,
}

/// <summary>
/// The opt-in glibc allocator setting chosen by <c>MTSNN_MALLOC</c> (<c>default</c> | <c>retain</c>), applied once by
/// <see cref="TorchRuntime.EnsureInitialized"/> before any tensor exists. <c>mallopt</c> is process-wide.
/// Asking for <c>retain</c> where it cannot be applied (not Linux, not glibc) is an error, never a silent fallback.
/// </summary>
public static partial class CpuAllocator
{
    /// <summary>Environment variable choosing the mode.</summary>
    public const string Variable = "MTSNN_MALLOC";

    /// <summary>glibc's <c>M_TRIM_THRESHOLD</c> parameter number (malloc.h).</summary>
    public const int MTrimThreshold = -1;

    /// <summary>glibc's <c>M_MMAP_THRESHOLD</c> parameter number (malloc.h).</summary>
    public const int MMmapThreshold = -3;

    /// <summary>Blocks of at least this many bytes still get their own mapping under <see cref="CpuAllocatorMode.Retain"/>: 1 GiB.</summary>
    public const int RetainMmapThreshold = 1 << 30;

    /// <summary>
    /// <c>M_TRIM_THRESHOLD</c> under <see cref="CpuAllocatorMode.Retain"/>: -1, which mallopt(3) documents as "disables
    /// trimming completely" (glibc stores it as SIZE_MAX). The 8 GiB that <c>GLIBC_TUNABLES</c> can set does not fit
    /// mallopt's <c>int</c>, and 2 GiB - 1 trained plif-net at T=4 about 10% slower here (130-138 vs 150 img/s).
    /// </summary>
    public const int RetainTrimThreshold = -1;

    private static int s_retained; // 1 once ApplyRetain succeeded in this process

    /// <summary>The mode <see cref="Variable"/> asks for (unset or empty: <see cref="CpuAllocatorMode.Default"/>); throws <see cref="NativeRuntimeException"/> for any other value.</summary>
    public static CpuAllocatorMode Mode => Parse(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Whether <see cref="ApplyRetain"/> has succeeded in this process (mallopt cannot be undone, so this stays true).</summary>
    public static bool Retained => Volatile.Read(ref s_retained) == 1;

    /// <summary>One line for <c>mtsnn doctor</c>: what the allocator does in this process.</summary>
    public static string Description => Retained
        ? $"glibc, freed memory retained ({Variable}=retain)"
        : OperatingSystem.IsLinux() ? "glibc default" : "C runtime default";

    /// <summary>The mode for a value of <see cref="Variable"/>: <c>default</c> or <c>retain</c> (case-insensitive, trimmed; null or blank means <c>default</c>).</summary>
    public static CpuAllocatorMode Parse(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting)) return CpuAllocatorMode.Default;
        return setting.Trim().ToLowerInvariant() switch
        {
            "default" => CpuAllocatorMode.Default,
            "retain" => CpuAllocatorMode.Retain,
            _ => throw new NativeRuntimeException($"invalid {Variable} '{setting}' (allowed: default, retain)"),
        };
    }

    /// <summary>Applies <see cref="Mode"/>: nothing for <see cref="CpuAllocatorMode.Default"/>, <see cref="ApplyRetain"/> for <see cref="CpuAllocatorMode.Retain"/>.</summary>
    /// <summary>
    /// Applies what <see cref="Variable"/> asks for, once: throws (one line) when it is invalid or asks for
    /// <c>retain</c> and that cannot be applied. The runtime's initialisation calls it; so does the CLI before every
    /// command, so that a bad setting stops the program rather than being remembered as a runtime failure.
    /// </summary>
    public static void EnsureConfigured()
    {
        if (Mode == CpuAllocatorMode.Retain && !Retained) ApplyRetain();
    }

    /// <summary>
    /// Sets glibc's <c>M_MMAP_THRESHOLD</c> to <see cref="RetainMmapThreshold"/> and <c>M_TRIM_THRESHOLD</c> to
    /// <see cref="RetainTrimThreshold"/> for the whole process. Returns true when glibc accepted both; throws
    /// <see cref="NativeRuntimeException"/> (one line) when not on Linux, when the C library has no <c>mallopt</c>,
    /// or when it refuses a value (e.g. musl, whose <c>mallopt</c> returns 0).
    /// </summary>
    public static bool ApplyRetain()
    {
        if (!OperatingSystem.IsLinux())
            throw new NativeRuntimeException($"{Variable}=retain needs glibc's mallopt, and this is not Linux ({RuntimeInformation.OSDescription}); unset {Variable} or set it to default");
        int mmap, trim;
        try
        {
            mmap = MallOpt(MMmapThreshold, RetainMmapThreshold);
            trim = MallOpt(MTrimThreshold, RetainTrimThreshold);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new NativeRuntimeException($"{Variable}=retain needs glibc's mallopt, which this C library lacks ({e.GetType().Name}); unset {Variable} or set it to default", e);
        }
        if (mmap != 1 || trim != 1)
            throw new NativeRuntimeException($"{Variable}=retain: the C library refused mallopt (M_MMAP_THRESHOLD {RetainMmapThreshold} -> {mmap}, M_TRIM_THRESHOLD {RetainTrimThreshold} -> {trim}; glibc answers 1); not glibc? unset {Variable} or set it to default");
        Volatile.Write(ref s_retained, 1);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int param, int value);
}
