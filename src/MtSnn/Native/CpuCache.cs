using System.Runtime.InteropServices;

namespace MtSnn.Native;

/// <summary>
/// The size-class caching allocator for libtorch's CPU tensors (<c>MTSNN_MALLOC=cache</c>): a native library built
/// with MtSnn (<c>Native/CpuCache/mtsnn_cpu_cache.cpp</c>) that <see cref="Install"/> hands to libc10's
/// <c>c10::SetCPUAllocator</c>. Blocks of at least <see cref="Threshold"/> bytes are mapped per size class (8 per power of
/// two) and, when freed, kept on their class's free list while the cached bytes stay under the cap; smaller blocks go
/// to the C library. Freed activations are reused by the next step without page faults and, since a block only serves
/// its own class, without the fragmentation that makes glibc's retained heap grow (see docs/benchmarks.md).
/// </summary>
public static partial class CpuCache
{
    /// <summary>The native library's name (<c>libmtsnn_cpu_cache.so</c>, next to MtSnn.dll or in runtimes/linux-x64/native).</summary>
    public const string LibraryName = "mtsnn_cpu_cache";

    /// <summary>Blocks of at least this many bytes are cached; smaller ones go to the C library: 256 KiB.</summary>
    public const long Threshold = 256 << 10;

    /// <summary>libc10's exports this needs: c10::SetCPUAllocator(Allocator*, uint8_t), c10::GetCPUAllocator(), the vtable and type info of c10::Allocator and Allocator::is_simple_data_ptr.</summary>
    internal const string SetCpuAllocatorSymbol = "_ZN3c1015SetCPUAllocatorEPNS_9AllocatorEh",
        GetCpuAllocatorSymbol = "_ZN3c1015GetCPUAllocatorEv",
        AllocatorVtableSymbol = "_ZTVN3c109AllocatorE",
        AllocatorTypeInfoSymbol = "_ZTIN3c109AllocatorE",
        IsSimpleDataPtrSymbol = "_ZNK3c109Allocator18is_simple_data_ptrERKNS_7DataPtrE";

    /// <summary>The priority passed to c10::SetCPUAllocator: above libc10's own registration (0).</summary>
    public const byte Priority = 1;

    private static nint s_allocator;
    private static nint s_getCpuAllocator;
    private static nint s_library;
    private static readonly Lock Gate = new();

    /// <summary>
    /// Whether the cache can be asked for here: Linux x64, with <c>libmtsnn_cpu_cache.so</c> beside MtSnn (its build
    /// needs g++, and without it the build warns; every package carries it).
    /// </summary>
    public static bool Built { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && NativeLibrary.TryLoad(LibraryName, typeof(CpuCache).Assembly, null, out _);

    /// <summary>Whether <see cref="Install"/> succeeded in this process (it cannot be undone).</summary>
    public static bool Installed => Volatile.Read(ref s_allocator) != 0;

    /// <summary>
    /// Loads the native cache, checks that libc10's <c>c10::Allocator</c> has the layout the cache was written for, and
    /// installs it as libtorch's CPU allocator with <paramref name="cap"/> bytes of free lists; with
    /// <paramref name="hugePages"/> (<c>MTSNN_HUGEPAGES=on</c>) its blocks of 2 MiB or more are marked
    /// <c>madvise(MADV_HUGEPAGE)</c>, as libc10's own allocator does under <c>THP_MEM_ALLOC_ENABLE</c>. Loads libc10 from
    /// TorchSharp's native folders (or <c>MTSNN_LIBTORCH</c>'s, already preloaded) if it is not loaded yet; the shim
    /// and libtorch_cpu then bind to that copy. Throws <see cref="NativeRuntimeException"/> (one line) when anything is
    /// missing or does not match; a second call does nothing.
    /// </summary>
    public static void Install(long cap, bool hugePages)
    {
        const string asked = $"{CpuAllocator.Variable}=cache";
        lock (Gate)
        {
            if (Installed) return;
            if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
                throw new NativeRuntimeException($"{asked} is built for Linux x64 only, and this is {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}; set {CpuAllocator.Variable} to system");
            if (!NativeLibrary.TryLoad(LibraryName, typeof(CpuCache).Assembly, null, out nint lib))
                throw new NativeRuntimeException($"{asked}: lib{LibraryName}.so is not next to MtSnn.dll nor in its runtimes/linux-x64/native (this build was made without g++?); set {CpuAllocator.Variable} to capped or system");
            // libtorch itself could not be prepared (e.g. a bad MTSNN_LIBTORCH): that is the error to show, not its echo here
            nint c10 = LoadLibC10() ?? throw (TorchRuntime.Failure ?? new NativeRuntimeException($"{asked}: libc10.so not found in TorchSharp's native folders; set {CpuAllocator.Variable} to capped or system"));
            string? mismatch = LayoutMismatch(c10);
            if (mismatch is not null)
                throw new NativeRuntimeException($"{asked}: this libtorch's c10::Allocator is not the one the cache was built for ({mismatch}); set {CpuAllocator.Variable} to capped or system");
            unsafe
            {
                int dataPtrSize = ((delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "mtsnn_cpu_cache_dataptr_size"))();
                if (dataPtrSize != 32)
                    throw new NativeRuntimeException($"{asked}: the cache's DataPtr is {dataPtrSize} bytes, c10's is 32; set {CpuAllocator.Variable} to capped or system");
                nint allocator = ((delegate* unmanaged<ulong, ulong, int, nint>)NativeLibrary.GetExport(lib, "mtsnn_cpu_cache_init"))((ulong)cap, (ulong)Threshold, hugePages ? 1 : 0);
                var set = (delegate* unmanaged<nint, byte, void>)NativeLibrary.GetExport(c10, SetCpuAllocatorSymbol);
                var get = (delegate* unmanaged<nint>)NativeLibrary.GetExport(c10, GetCpuAllocatorSymbol);
                set(allocator, Priority);
                if (get() != allocator)
                    throw new NativeRuntimeException($"{asked}: libc10 kept another CPU allocator registered at a higher priority; set {CpuAllocator.Variable} to capped or system");
                s_library = lib;
                s_getCpuAllocator = (nint)get;
                Volatile.Write(ref s_allocator, allocator);
            }
        }
    }

    /// <summary>Whether libc10's CPU allocator is the cache right now (false before <see cref="Install"/>).</summary>
    public static unsafe bool IsCurrent => Installed && ((delegate* unmanaged<nint>)s_getCpuAllocator)() == s_allocator;

    /// <summary>The cache's counters; all zero before <see cref="Install"/>.</summary>
    public static unsafe CpuCacheStats Stats()
    {
        if (!Installed) return default;
        CpuCacheStats s;
        int n = ((delegate* unmanaged<CpuCacheStats*, int>)NativeLibrary.GetExport(s_library, "mtsnn_cpu_cache_stats"))(&s);
        if (n != 13) throw new InvalidOperationException($"the native cache reports {n} counters, 13 expected");
        return s;
    }

    /// <summary>Unmaps every cached block; returns the bytes given back (0 before <see cref="Install"/>).</summary>
    public static unsafe long Trim() => Installed
        ? (long)((delegate* unmanaged<ulong>)NativeLibrary.GetExport(s_library, "mtsnn_cpu_cache_trim"))()
        : 0;

    /// <summary>
    /// Checks libc10's vtable of the abstract <c>c10::Allocator</c> against the slots the cache implements: type info
    /// first, then two destructors, <c>allocate</c> (pure virtual), <c>is_simple_data_ptr</c> (libc10's own),
    /// <c>raw_deleter</c>, and <c>copy_data</c> (pure virtual, the same stub as <c>allocate</c>). Null when it matches.
    /// </summary>
    public static unsafe string? LayoutMismatch(nint c10)
    {
        if (!NativeLibrary.TryGetExport(c10, AllocatorVtableSymbol, out nint vtable) ||
            !NativeLibrary.TryGetExport(c10, AllocatorTypeInfoSymbol, out nint typeInfo) ||
            !NativeLibrary.TryGetExport(c10, IsSimpleDataPtrSymbol, out nint isSimple) ||
            !NativeLibrary.TryGetExport(c10, SetCpuAllocatorSymbol, out _) ||
            !NativeLibrary.TryGetExport(c10, GetCpuAllocatorSymbol, out _))
            return "libc10 lacks c10::SetCPUAllocator, c10::GetCPUAllocator or c10::Allocator's vtable";
        var slot = (nint*)vtable;
        if (slot[1] != typeInfo) return "the vtable does not start with c10::Allocator's type info";
        if (slot[4] == 0 || slot[4] != slot[7]) return "allocate and copy_data are not the 3rd and 6th virtual functions";
        if (slot[5] != isSimple) return "is_simple_data_ptr is not the 4th virtual function";
        if (slot[6] == 0 || slot[6] == slot[4]) return "raw_deleter is not the 5th virtual function";
        return null;
    }

    private static nint? LoadLibC10()
    {
        // MTSNN_LIBTORCH's libc10 is loaded already (TorchRuntime preloads it); loading it again by path returns that copy
        var dirs = new List<string>();
        if (Settings.MtSnnSettings.Current.LibTorchDir is { Length: > 0 } custom) dirs.Add(custom);
        dirs.AddRange(TorchRuntime.NativeSearchDirectories());
        foreach (string dir in dirs)
        {
            string path = Path.Combine(dir, "libc10.so");
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out nint h)) return h;
        }
        return null;
    }
}

/// <summary>The native cache's counters (bytes unless named otherwise), in the order <c>mtsnn_cpu_cache_stats</c> writes them.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CpuCacheStats
{
    /// <summary>Bytes of cached-size blocks in use by tensors now, and at most so far.</summary>
    public ulong LiveBytes, PeakLiveBytes;
    /// <summary>Bytes on the free lists now, and at most so far.</summary>
    public ulong CachedBytes, PeakCachedBytes;
    /// <summary>Bytes the cache has mapped (live + cached) now, and at most so far.</summary>
    public ulong MappedBytes, PeakMappedBytes;
    /// <summary>Requests served from a free list; requests that mapped a new block.</summary>
    public ulong Hits, Misses;
    /// <summary>Blocks mapped; blocks unmapped (freed above the cap, or trimmed).</summary>
    public ulong Maps, Unmaps;
    /// <summary>Requests below the threshold, passed to the C library.</summary>
    public ulong SmallAllocations;
    /// <summary>The cap and the threshold in force.</summary>
    public ulong Cap, Threshold;
}
