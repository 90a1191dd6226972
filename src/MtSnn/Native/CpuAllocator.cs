using System.Globalization;
using System.Runtime.InteropServices;
using MtSnn.Settings;

namespace MtSnn.Native;

/// <summary>How the C library's allocator (which libtorch's CPU tensors use) should treat large freed blocks.</summary>
public enum CpuAllocatorMode
{
    /// <summary>
    /// The default on glibc: freed blocks are kept for reuse as under <see cref="Retain"/>, but a guard checks every
    /// <see cref="CpuAllocator.GuardInterval"/> how much freed memory is still resident and, above the cap
    /// (<see cref="CpuAllocator.CapVariable"/>, default 1/<see cref="CpuAllocator.DefaultCapDivisor"/> of the
    /// memory the process may use), gives it back to the system with <c>malloc_trim(0)</c>.
    /// </summary>
    Capped,

    /// <summary>
    /// glibc keeps freed memory for reuse without a bound: <c>mallopt(M_MMAP_THRESHOLD, 1 GiB)</c> and
    /// <c>mallopt(M_TRIM_THRESHOLD, -1)</c> (never trim). Training no longer page-faults its activations every step
    /// (faster), at the cost of a peak resident set that can grow with fragmentation (a plif-net run reached ~13 GB).
    /// </summary>
    Retain,

    /// <summary>Nothing changed: glibc serves blocks above its (dynamic, at most 32 MB) mmap threshold with fresh pages and unmaps them on free.</summary>
    System,

    /// <summary>
    /// libtorch's CPU tensors of at least <see cref="CpuCache.Threshold"/> bytes come from MtSnn's size-class cache
    /// (<see cref="CpuCache"/>), which keeps freed blocks on per-class free lists up to the cap
    /// (<see cref="CpuAllocator.CapVariable"/>); the C library is left as it is.
    /// </summary>
    Cache,
}

/// <summary>
/// The glibc allocator policy chosen by <c>MTSNN_MALLOC</c> (<c>capped</c> | <c>retain</c> | <c>system</c>; unset:
/// <c>capped</c> on glibc, <c>system</c> elsewhere) and, for <c>capped</c>, the cap <c>MTSNN_MALLOC_CAP</c>. Applied
/// once by <see cref="TorchRuntime.EnsureInitialized"/> before any tensor exists; <c>mallopt</c> is process-wide.
/// Asking for <c>capped</c> or <c>retain</c> where it cannot be applied (not glibc) is an error, never a silent fallback.
/// </summary>
public static partial class CpuAllocator
{
    /// <summary>Environment variable choosing the mode.</summary>
    public const string Variable = "MTSNN_MALLOC";

    /// <summary>Environment variable setting the cap of <see cref="CpuAllocatorMode.Capped"/>: bytes (<c>800M</c>, <c>2G</c>, <c>1048576</c>) or a share of the memory (<c>5%</c>).</summary>
    public const string CapVariable = "MTSNN_MALLOC_CAP";

    /// <summary>The values of <see cref="Variable"/>, written once for parsing and messages.</summary>
    public static readonly IReadOnlyList<string> Values = ["capped", "retain", "system", "cache"];

    /// <summary>What <see cref="CapVariable"/> accepts, for messages.</summary>
    public const string CapAllowed = "a size in bytes with an optional K, M or G suffix (e.g. 800M, 2G) or a percentage of the memory (e.g. 5%), more than 0";

    /// <summary>Under <see cref="CpuAllocatorMode.Capped"/> the default cap is the memory the process may use (physical or cgroup limit) divided by this.</summary>
    public const int DefaultCapDivisor = 16;

    /// <summary>
    /// Under <see cref="CpuAllocatorMode.Cache"/> the default cap is the memory divided by this: larger than capped's,
    /// since a size-class cache does not fragment (plif-net at T = 4 keeps about 0.9x its live peak on the free lists at
    /// times, and maps 1.2x; docs/benchmarks.md), while glibc's retained heap grows with every byte it is allowed.
    /// </summary>
    public const int CacheCapDivisor = 4;

    /// <summary>The cap when <see cref="CapVariable"/> is unset: <paramref name="memoryLimit"/> / <see cref="CacheCapDivisor"/> under <c>cache</c>, / <see cref="DefaultCapDivisor"/> otherwise.</summary>
    public static long DefaultCap(CpuAllocatorMode mode, long memoryLimit) =>
        memoryLimit / (mode == CpuAllocatorMode.Cache ? CacheCapDivisor : DefaultCapDivisor);

    /// <summary>How often the guard of <see cref="CpuAllocatorMode.Capped"/> measures the retained memory.</summary>
    public static readonly TimeSpan GuardInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>glibc's <c>M_TRIM_THRESHOLD</c> parameter number (malloc.h).</summary>
    public const int MTrimThreshold = -1;

    /// <summary>glibc's <c>M_MMAP_THRESHOLD</c> parameter number (malloc.h).</summary>
    public const int MMmapThreshold = -3;

    /// <summary>Blocks of at least this many bytes still get their own mapping under <see cref="CpuAllocatorMode.Retain"/> and <see cref="CpuAllocatorMode.Capped"/>: 1 GiB.</summary>
    public const int RetainMmapThreshold = 1 << 30;

    /// <summary>
    /// <c>M_TRIM_THRESHOLD</c> under <see cref="CpuAllocatorMode.Retain"/> and <see cref="CpuAllocatorMode.Capped"/>:
    /// -1, which mallopt(3) documents as "disables trimming completely" (glibc stores it as SIZE_MAX); under
    /// <c>capped</c> the guard trims. The 8 GiB that <c>GLIBC_TUNABLES</c> can set does not fit mallopt's <c>int</c>,
    /// and 2 GiB - 1 trained plif-net at T=4 about 10% slower here (130-138 vs 150 img/s).
    /// </summary>
    public const int RetainTrimThreshold = -1;

    private static int s_retained; // 1 once ApplyRetain succeeded in this process
    private static RetentionGuard? s_guard;
    private static Timer? s_timer;
    private static readonly Lock Gate = new();

    /// <summary>The mode <see cref="Variable"/> asks for (<see cref="MtSnnSettings.Allocator"/>; unset or blank: <see cref="PlatformDefault"/>); throws <see cref="SettingException"/> for any other value.</summary>
    public static CpuAllocatorMode Mode => MtSnnSettings.Current.Allocator;

    /// <summary>The cap in bytes that <see cref="CapVariable"/> asks for (<see cref="MtSnnSettings.AllocatorCap"/>), or <see cref="DefaultCap"/> for <see cref="Mode"/>; throws <see cref="SettingException"/> for a bad value.</summary>
    public static long Cap => MtSnnSettings.Current.AllocatorCap ?? DefaultCap(Mode, MemoryLimit);

    /// <summary>
    /// The mode when <see cref="Variable"/> is unset: <see cref="CpuAllocatorMode.Cache"/> on Linux x64 (where MtSnn
    /// builds and ships the cache; a build without g++ warns and has none: <see cref="CpuCache.Built"/>),
    /// <see cref="CpuAllocatorMode.Capped"/> on other glibc systems, <see cref="CpuAllocatorMode.System"/> elsewhere.
    /// </summary>
    public static CpuAllocatorMode PlatformDefault => CpuCache.Built ? CpuAllocatorMode.Cache
        : IsGlibc ? CpuAllocatorMode.Capped : CpuAllocatorMode.System;

    /// <summary>What <see cref="PlatformDefault"/> is, in words, for the settings' help.</summary>
    public const string PlatformDefaultText = "cache on Linux x64 (capped where MtSnn was built without g++), capped on other glibc systems, system elsewhere";

    /// <summary>The memory this process may use: the physical memory or the container's limit, as the .NET GC sees it.</summary>
    public static long MemoryLimit => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Whether <see cref="ApplyRetain"/> has succeeded in this process (mallopt cannot be undone, so this stays true).</summary>
    public static bool Retained => Volatile.Read(ref s_retained) == 1;

    /// <summary>The guard of <see cref="CpuAllocatorMode.Capped"/> running in this process, or null.</summary>
    public static RetentionGuard? Guard => Volatile.Read(ref s_guard);

    /// <summary>Whether the C library is glibc (it exports <c>gnu_get_libc_version</c>, <c>mallinfo2</c> and <c>malloc_trim</c>).</summary>
    public static bool IsGlibc { get; } = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var h)
        && NativeLibrary.TryGetExport(h, "gnu_get_libc_version", out _) && NativeLibrary.TryGetExport(h, "mallinfo2", out _)
        && NativeLibrary.TryGetExport(h, "malloc_trim", out _);

    /// <summary>One line for <c>mtsnn doctor</c>: what the allocator does in this process.</summary>
    public static string Description => CpuCache.Installed
        ? CacheDescription(CpuCache.Stats())
        : Guard is { } g
        ? $"glibc, freed memory retained up to {Mib(g.Cap)} ({CapOrigin(CpuAllocatorMode.Capped)}), checked every {GuardInterval.TotalMilliseconds:0} ms, {g.Trims} trim(s) so far ({Variable}=capped{DefaultNote(CpuAllocatorMode.Capped)})"
        : Retained
            ? $"glibc, freed memory retained without a cap ({Variable}=retain)"
            : OperatingSystem.IsLinux() ? $"glibc default ({Variable}=system)" : $"C runtime default (no glibc; {Variable}=system)";

    private static string CacheDescription(CpuCacheStats s) =>
        $"libtorch's CPU blocks of {CpuCache.Threshold >> 10} KiB or more from MtSnn's size-class cache, freed blocks kept up to {Mib((long)s.Cap)} ({CapOrigin(CpuAllocatorMode.Cache)}); " +
        $"{s.Hits} hit(s), {s.Misses} miss(es), peak {Mib((long)s.PeakLiveBytes)} live + {Mib((long)s.PeakCachedBytes)} cached, {Mib((long)s.PeakMappedBytes)} mapped ({Variable}=cache{DefaultNote(CpuAllocatorMode.Cache)})";

    private static string DefaultNote(CpuAllocatorMode mode) => PlatformDefault == mode ? ", the default; 'system' opts out" : "";

    private static string CapOrigin(CpuAllocatorMode mode) => MtSnnSettings.Current[CapVariable].Raw is { } s && !string.IsNullOrWhiteSpace(s)
        ? $"{CapVariable}={s.Trim()}"
        : $"1/{(mode == CpuAllocatorMode.Cache ? CacheCapDivisor : DefaultCapDivisor)} of {Mib(MemoryLimit)}; {CapVariable} overrides";

    /// <summary>Bytes as MiB (or GiB above 10 GiB) for messages.</summary>
    public static string Mib(long bytes) => bytes >= 10L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0} MiB");

    /// <summary>The mode for a value of <see cref="Variable"/> (case-insensitive, trimmed); null for null or blank (the platform's default).</summary>
    public static CpuAllocatorMode? Parse(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting)) return null;
        string s = setting.Trim().ToLowerInvariant();
        int i = Values.ToList().IndexOf(s);
        if (i < 0) throw new NativeRuntimeException($"invalid {Variable} '{setting}' (allowed: {string.Join(", ", Values)})");
        return (CpuAllocatorMode)i;
    }

    /// <summary>
    /// The cap for a value of <see cref="CapVariable"/>: null or blank gives null (the mode's <see cref="DefaultCap"/>); <c>N</c>, <c>NK</c>, <c>NM</c>, <c>NG</c> (binary units, case-insensitive) or
    /// <c>P%</c> of <paramref name="memoryLimit"/>. Anything else, zero, or more than the memory is an error.
    /// </summary>
    public static long? ParseCap(string? setting, long memoryLimit)
    {
        if (string.IsNullOrWhiteSpace(setting)) return null;
        string s = setting.Trim().ToUpperInvariant();
        double value;
        bool ok;
        if (s.EndsWith('%'))
        {
            ok = double.TryParse(s[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double pct) && pct > 0 && pct <= 100;
            value = pct / 100 * memoryLimit;
        }
        else
        {
            int shift = s.Length > 0 ? s[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 } : 0;
            string digits = shift == 0 ? s : s[..^1];
            ok = double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) && n > 0;
            value = n * Math.Pow(2, shift);
        }
        if (!ok || value < 1 || value > memoryLimit)
            throw new NativeRuntimeException($"invalid {CapVariable} '{Printable(setting)}' (allowed: {CapAllowed}, at most the memory, {Mib(memoryLimit)})");
        return (long)value;
    }

    /// <summary>At most 40 characters of a setting's value for a message, control and non-ASCII characters as '?'.</summary>
    internal static string Printable(string s) => new([.. s.Take(40).Select(c => char.IsControl(c) || c > '~' ? '?' : c)]);

    /// <summary>
    /// Applies what <see cref="Variable"/> asks for, once: throws (one line) when it is invalid or asks for
    /// <c>capped</c> or <c>retain</c> and that cannot be applied. The runtime's initialisation calls it; so does the
    /// CLI before every command, so that a bad setting stops the program rather than being remembered as a runtime failure.
    /// </summary>
    public static void EnsureConfigured()
    {
        var mode = Mode;
        long cap = mode is CpuAllocatorMode.Capped or CpuAllocatorMode.Cache ? Cap : 0; // checked before anything is applied
        if (mode == CpuAllocatorMode.System) return;
        lock (Gate)
        {
            if (mode == CpuAllocatorMode.Cache) CpuCache.Install(cap, HugePages.Enabled);
            if (mode == CpuAllocatorMode.Retain && !Retained) ApplyRetain();
            if (mode == CpuAllocatorMode.Capped && Guard is null)
            {
                ApplyRetention(CpuAllocatorMode.Capped);
                var guard = new RetentionGuard(cap);
                Volatile.Write(ref s_guard, guard);
                s_timer = new Timer(_ => guard.Enforce(), null, GuardInterval, GuardInterval);
            }
        }
    }

    /// <summary>
    /// Sets glibc's <c>M_MMAP_THRESHOLD</c> to <see cref="RetainMmapThreshold"/> and <c>M_TRIM_THRESHOLD</c> to
    /// <see cref="RetainTrimThreshold"/> for the whole process. Returns true when glibc accepted both; throws
    /// <see cref="NativeRuntimeException"/> (one line) when not on Linux, when the C library has no <c>mallopt</c>,
    /// or when it refuses a value (e.g. musl, whose <c>mallopt</c> returns 0).
    /// </summary>
    public static bool ApplyRetain() => ApplyRetention(CpuAllocatorMode.Retain);

    private static bool ApplyRetention(CpuAllocatorMode mode)
    {
        string asked = $"{Variable}={Values[(int)mode]}";
        if (!OperatingSystem.IsLinux())
            throw new NativeRuntimeException($"{asked} needs glibc's mallopt, and this is not Linux ({RuntimeInformation.OSDescription}); set {Variable} to system");
        if (mode == CpuAllocatorMode.Capped && !IsGlibc)
            throw new NativeRuntimeException($"{asked} needs glibc's mallinfo2 and malloc_trim (glibc 2.33 or newer), which this C library lacks; set {Variable} to system");
        int mmap, trim;
        try
        {
            mmap = MallOpt(MMmapThreshold, RetainMmapThreshold);
            trim = MallOpt(MTrimThreshold, RetainTrimThreshold);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new NativeRuntimeException($"{asked} needs glibc's mallopt, which this C library lacks ({e.GetType().Name}); set {Variable} to system", e);
        }
        if (mmap != 1 || trim != 1)
            throw new NativeRuntimeException($"{asked}: the C library refused mallopt (M_MMAP_THRESHOLD {RetainMmapThreshold} -> {mmap}, M_TRIM_THRESHOLD {RetainTrimThreshold} -> {trim}; glibc answers 1); not glibc? set {Variable} to system");
        Volatile.Write(ref s_retained, 1);
        return true;
    }

    /// <summary>glibc's <c>struct mallinfo2</c> (malloc.h, glibc 2.33+): ten <c>size_t</c> fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MallInfo2
    {
        public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int param, int value);

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    internal static partial MallInfo2 MallInfo();

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    internal static partial int MallocTrim(nuint pad);
}

/// <summary>
/// Keeps the memory glibc retains (freed, still resident) under <see cref="Cap"/>: <see cref="Enforce"/> measures it
/// (<see cref="Measure"/>) and, above the cap, returns free pages to the system with <c>malloc_trim(0)</c>. Memory in
/// use is never touched.
/// </summary>
/// <remarks>
/// What <c>malloc_trim</c> can give back (glibc 2.36 <c>mtrim</c>): the pages inside every free chunk of every arena
/// (<c>MADV_DONTNEED</c>) and the top of the main arena (<c>sbrk</c>). The top chunk of a thread arena's heap is not
/// trimmed: glibc shrinks it only on a <c>free</c> in that arena above <c>M_TRIM_THRESHOLD</c>, which retention turns
/// off. So up to one heap (at most 64 MiB) per thread arena can stay resident past a trim; <see cref="Floor"/> takes it
/// in, so the guard does not trim again and again for memory it cannot return.
/// </remarks>
public sealed class RetentionGuard(long cap)
{
    private long _trims;
    private long _floor; // resident memory that neither malloc's live blocks nor the GC account for, right after the last trim

    /// <summary>The most retained bytes allowed after <see cref="Enforce"/>.</summary>
    public long Cap { get; } = cap > 0 ? cap : throw new ArgumentOutOfRangeException(nameof(cap), "the cap must be positive");

    /// <summary>How many times <see cref="Enforce"/> trimmed.</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>What a trim could not give back, measured right after the last one (0 before the first): see <see cref="Measure"/>.</summary>
    public long Floor => Interlocked.Read(ref _floor);

    /// <summary>
    /// Freed memory glibc still holds resident, estimated as the smaller of malloc's free bytes (<c>fordblks</c>, all
    /// arenas; it still counts pages a trim gave back) and <see cref="Unaccounted"/> less what was left of it right
    /// after the last trim (thread stacks, the runtime's own mappings: what a trim cannot give back).
    /// </summary>
    public long Measure()
    {
        var m = CpuAllocator.MallInfo();
        return Math.Max(0, Math.Min((long)m.FordBlks, Unaccounted(m) - Interlocked.Read(ref _floor)));
    }

    /// <summary>Trims when <see cref="Measure"/> is above <see cref="Cap"/>; returns whether it trimmed.</summary>
    public bool Enforce()
    {
        if (Measure() <= Cap) return false;
        CpuAllocator.MallocTrim(0);
        Interlocked.Exchange(ref _floor, Unaccounted(CpuAllocator.MallInfo()));
        Interlocked.Increment(ref _trims);
        return true;
    }

    /// <summary>The process's resident anonymous memory less malloc's blocks in use (<c>uordblks + hblkhd</c>) and the .NET heap's committed bytes.</summary>
    private static long Unaccounted(CpuAllocator.MallInfo2 m) =>
        ResidentAnonymous() - (long)m.UordBlks - (long)m.HBlkHd - GC.GetGCMemoryInfo().TotalCommittedBytes;

    /// <summary>The process's resident anonymous memory in bytes (<c>RssAnon</c> of /proc/self/status).</summary>
    public static long ResidentAnonymous()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(8).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("/proc/self/status has no RssAnon line");
    }
}
