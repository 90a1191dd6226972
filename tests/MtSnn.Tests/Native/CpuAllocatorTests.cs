using System.Runtime.InteropServices;
using MtSnn.Native;
using Xunit;

namespace MtSnn.Tests.Native;

/// <summary>A fact that runs only where the C library is glibc (it exports <c>gnu_get_libc_version</c>).</summary>
public sealed class GlibcFactAttribute : FactAttribute
{
    public GlibcFactAttribute() { if (!CpuAllocatorTests.IsGlibc) Skip = "not glibc: mallopt's retain settings cannot be applied here"; }
}

/// <summary>
/// <c>MTSNN_MALLOC</c> parsing and the glibc settings. Applying <c>retain</c> in the test process is harmless: it only
/// makes glibc keep freed blocks below 1 GiB for reuse (a higher resident set for the test run, nothing else).
/// </summary>
public class CpuAllocatorTests
{
    internal static bool IsGlibc =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var h) && NativeLibrary.TryGetExport(h, "gnu_get_libc_version", out _);

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("  ", null)]
    [InlineData("capped", CpuAllocatorMode.Capped)]
    [InlineData("retain", CpuAllocatorMode.Retain)]
    [InlineData(" Retain ", CpuAllocatorMode.Retain)]
    [InlineData("system", CpuAllocatorMode.System)]
    public void Parse_accepts_capped_retain_and_system(string? setting, CpuAllocatorMode? expected) =>
        Assert.Equal(expected, CpuAllocator.Parse(setting));

    [Theory]
    [InlineData("keep")]
    [InlineData("default")]
    [InlineData("1")]
    [InlineData("retain,system")]
    public void Parse_rejects_anything_else_with_one_line_naming_the_allowed_values(string setting)
    {
        var e = Assert.Throws<NativeRuntimeException>(() => CpuAllocator.Parse(setting));
        Assert.Equal($"invalid MTSNN_MALLOC '{setting}' (allowed: capped, retain, system)", e.Message);
    }

    [GlibcFact]
    public void Unset_means_capped_on_glibc_and_the_cap_is_a_16th_of_the_memory()
    {
        Assert.True(CpuAllocator.IsGlibc);
        var r = MtSnn.Tests.Reliability.CliProcess.Run(["doctor"], Path.GetTempPath()); // a real process, every MTSNN_ setting cleared
        Assert.True(r.ExitCode == 0, r.ToString());
        var line = Assert.Single(r.StdOut.Split('\n'), l => l.StartsWith("allocator:", StringComparison.Ordinal));
        Assert.Contains($"freed memory retained up to {CpuAllocator.Mib(CpuAllocator.MemoryLimit / 16)} (1/16 of {CpuAllocator.Mib(CpuAllocator.MemoryLimit)}; MTSNN_MALLOC_CAP overrides)", line);
        Assert.Contains("MTSNN_MALLOC=capped, the default", line);
    }

    [Theory]
    [InlineData("system", "allocator:   glibc default (MTSNN_MALLOC=system)")]
    [InlineData("retain", "allocator:   glibc, freed memory retained without a cap (MTSNN_MALLOC=retain)")]
    public void Doctor_prints_the_policy_asked_for(string mode, string expected)
    {
        var r = MtSnn.Tests.Reliability.CliProcess.Run(["doctor"], Path.GetTempPath(), new Dictionary<string, string> { ["MTSNN_MALLOC"] = mode });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(expected + "\n", r.StdOut);
    }

    [GlibcFact]
    public void Doctor_prints_the_cap_that_MTSNN_MALLOC_CAP_sets()
    {
        var r = MtSnn.Tests.Reliability.CliProcess.Run(["doctor"], Path.GetTempPath(), new Dictionary<string, string> { ["MTSNN_MALLOC_CAP"] = "300M" });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("allocator:   glibc, freed memory retained up to 300 MiB (MTSNN_MALLOC_CAP=300M), checked every 100 ms", r.StdOut);
    }

    private const long Gib = 1L << 30;

    [Theory]
    [InlineData(null, 16 * Gib / 16)]
    [InlineData(" ", 16 * Gib / 16)]
    [InlineData("1048576", 1L << 20)]
    [InlineData("800M", 800L << 20)]
    [InlineData("800m", 800L << 20)]
    [InlineData("64K", 64L << 10)]
    [InlineData("2G", 2 * Gib)]
    [InlineData("1.5G", 3 * Gib / 2)]
    [InlineData("5%", 16 * Gib / 20)]
    [InlineData("100%", 16 * Gib)]
    public void ParseCap_reads_bytes_suffixes_and_percentages(string? setting, long expected) =>
        Assert.Equal(expected, CpuAllocator.ParseCap(setting, 16 * Gib));

    [Theory]
    [InlineData("0")]
    [InlineData("0%")]
    [InlineData("-1G")]
    [InlineData("101%")]
    [InlineData("17G")]
    [InlineData("lots")]
    [InlineData("2T")]
    [InlineData("1e9")]
    [InlineData("G")]
    public void ParseCap_rejects_bad_values_with_one_line_naming_what_is_allowed(string setting)
    {
        var e = Assert.Throws<NativeRuntimeException>(() => CpuAllocator.ParseCap(setting, 16 * Gib));
        Assert.Equal($"invalid MTSNN_MALLOC_CAP '{setting}' (allowed: {CpuAllocator.CapAllowed}, at most the memory, 16.0 GiB)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ParseCap_never_echoes_control_bytes()
    {
        var e = Assert.Throws<NativeRuntimeException>(() => CpuAllocator.ParseCap("1\u001b]0;x\u0007G", 16 * Gib));
        Assert.DoesNotContain('\u001b', e.Message);
        Assert.DoesNotContain('\u0007', e.Message);
    }

    [Fact]
    public void The_mallopt_parameter_numbers_are_glibcs()
    {
        // malloc.h: #define M_TRIM_THRESHOLD -1, #define M_MMAP_THRESHOLD -3.
        Assert.Equal(-1, CpuAllocator.MTrimThreshold);
        Assert.Equal(-3, CpuAllocator.MMmapThreshold);
        Assert.Equal(1024 * 1024 * 1024, CpuAllocator.RetainMmapThreshold);
        Assert.Equal(-1, CpuAllocator.RetainTrimThreshold); // mallopt(3): "-1 disables trimming completely"
    }

    [GlibcFact]
    public unsafe void ApplyRetain_is_accepted_by_glibc_and_keeps_48_MB_blocks_off_their_own_mappings()
    {
        Assert.True(CpuAllocator.ApplyRetain());
        Assert.True(CpuAllocator.Retained);

        // glibc's chunk header: the size word just before the user pointer; bit 0x2 (IS_MMAPPED) marks a block
        // served by its own mmap. By default (threshold at most 32 MB) a 48 MB block always is; under retain it is
        // not, while a block above the 1 GiB threshold still is (untouched, so it costs no memory).
        Assert.False(IsMmapped(48 << 20));
        Assert.True(IsMmapped((1 << 30) + (1 << 20)));
    }

    private static unsafe bool IsMmapped(int bytes)
    {
        void* p = NativeMemory.Alloc((nuint)bytes);
        Assert.True(p != null);
        try { return (((nuint*)p)[-1] & 2) != 0; }
        finally { NativeMemory.Free(p); }
    }
}

/// <summary>
/// The cap of <c>MTSNN_MALLOC=capped</c> under a stress of native allocations of varied sizes, and the reuse that makes
/// it fast. Alone (no other test frees memory meanwhile), because the measure is process-wide.
/// </summary>
[Xunit.Collection(Name)]
public class RetentionGuardTests
{
    public const string Name = "allocator stress (alone)";

    [Xunit.CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class Definition;

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UTimeSec, UTimeUsec, STimeSec, STimeUsec, MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, out RUsage usage);

    private const int RusageThread = 1; // Linux: this thread only

    private static long MinorFaults() { Assert.Equal(0, GetRUsage(RusageThread, out var u)); return u.MinFlt; }

    // The measure is the process's resident anonymous memory, which memory freed late by other tests' threads (finalizers,
    // loader threads that outlive their test) can raise for a moment even in this non-parallel collection; a broken guard
    // fails every attempt, a moment's noise not three in a row.
    [GlibcFact]
    public void Retained_bytes_never_exceed_the_cap_after_a_check_in_a_stress_of_varied_sizes()
    {
        for (int attempt = 1; ; attempt++)
        {
            try { StressOnce(); return; }
            catch (Xunit.Sdk.XunitException) when (attempt < 3) { GC.Collect(); GC.WaitForPendingFinalizers(); Thread.Sleep(500); }
        }
    }

    private unsafe void StressOnce()
    {
        Assert.True(CpuAllocator.ApplyRetain()); // the mallopt settings of capped and retain (process-wide, harmless)
        const long cap = 64L << 20, slack = 24L << 20;
        var guard = new RetentionGuard(1);
        guard.Enforce(); // start from a trimmed heap: what is resident now, beyond the live blocks below, is the baseline
        long floor0 = guard.Floor;
        guard = new RetentionGuard(cap);
        long start = RetentionGuard.ResidentAnonymous();
        var rng = new Random(15);
        var live = new List<(nint Ptr, long Bytes)>();
        long liveBytes = 0, peakRetained = 0, maxResidue = 0;
        try
        {
            for (int step = 0; step < 400; step++)
            {
                if (live.Count < 12 || rng.NextDouble() < 0.5)
                {
                    long bytes = Math.Min((long)rng.Next(1, 48 << 10) << rng.Next(4, 11), 48L << 20); // 16 B .. 48 MB
                    void* p = NativeMemory.Alloc((nuint)bytes);
                    Assert.True(p != null);
                    NativeMemory.Fill(p, (nuint)bytes, 0x5a); // resident, as a tensor's storage is
                    live.Add(((nint)p, bytes));
                    liveBytes += bytes;
                }
                else
                {
                    int i = rng.Next(live.Count);
                    NativeMemory.Free((void*)live[i].Ptr);
                    liveBytes -= live[i].Bytes;
                    live.RemoveAt(i);
                    // the kernel's count, not the guard's: resident memory beyond the live blocks and the baseline
                    peakRetained = Math.Max(peakRetained, RetentionGuard.ResidentAnonymous() - start - liveBytes);
                    guard.Enforce();
                    long retained = RetentionGuard.ResidentAnonymous() - start - liveBytes;
                    // what no trim can give back (free bytes sharing pages with live blocks) is the guard's floor
                    long residue = guard.Trims == 0 ? 0 : guard.Floor - floor0;
                    Assert.True(retained - residue <= cap + slack, $"step {step}: {retained >> 20} MiB resident beyond the live blocks after the check ({residue >> 20} MiB of it past any trim), cap {cap >> 20} MiB");
                    maxResidue = Math.Max(maxResidue, residue);
                }
            }
        }
        finally { foreach (var (p, _) in live) NativeMemory.Free((void*)p); }
        // the stress did retain more than the cap at times (else it would not test anything) and the guard trimmed
        Assert.True(peakRetained > cap + slack, $"the stress never retained more than the cap (peak {peakRetained >> 20} MiB)");
        Assert.True(guard.Trims > 0);
        Assert.True(maxResidue < cap, $"{maxResidue >> 20} MiB resident past the trims");
    }

    [GlibcFact]
    public unsafe void A_freed_block_under_the_cap_is_reused_without_new_page_faults_and_given_back_above_it()
    {
        Assert.True(CpuAllocator.ApplyRetain());
        // above glibc's default mmap ceiling (32 MB), so without retention 10240 fresh pages every time; below the 64 MB
        // heap of a thread's arena (a test runs on a pool thread), so retention can keep it
        const int bytes = 40 << 20;
        const long pages = bytes / 4096;
        var roomy = new RetentionGuard(1L << 30);
        long reuseFaults = long.MaxValue;
        // the process's own guard (default cap) may trim meanwhile if other tests left much free memory: then try again
        for (int attempt = 0; attempt < 3 && reuseFaults >= pages / 10; attempt++)
        {
            long globalTrims = CpuAllocator.Guard?.Trims ?? 0;
            void* a = NativeMemory.Alloc(bytes);
            NativeMemory.Fill(a, bytes, 1);
            NativeMemory.Free(a);
            roomy.Enforce(); // 40 MiB free is under 1 GiB: kept
            long before = MinorFaults();
            void* b = NativeMemory.Alloc(bytes);
            NativeMemory.Fill(b, bytes, 2);
            long faults = MinorFaults() - before;
            NativeMemory.Free(b);
            if ((CpuAllocator.Guard?.Trims ?? 0) == globalTrims) reuseFaults = faults;
        }
        Assert.True(reuseFaults < pages / 10, $"{reuseFaults} page faults refilling a freed 40 MiB block (fresh pages: {pages})");
        Assert.Equal(0, roomy.Trims);

        // a tight cap gives the freed block back: refilling it faults its pages in again. glibc's malloc_trim gives back
        // the free chunks inside every arena but the top chunk of the main arena only (a thread arena's top stays
        // resident: RetentionGuard's remarks), so the freed block must not be the top: a fence allocated right after it
        // keeps it a free chunk in a bin. A fence that lands elsewhere (a free chunk of another size fitted it) stays
        // allocated and the next try's block comes after it.
        var tight = new RetentionGuard(8L << 20);
        var fences = new List<nint>();
        long freshFaults = -1;
        try
        {
            for (int attempt = 0; attempt < 8 && freshFaults < 0; attempt++)
            {
                void* c = NativeMemory.Alloc(bytes);
                NativeMemory.Fill(c, bytes, 3);
                void* fence = NativeMemory.Alloc(1 << 20);
                NativeMemory.Fill(fence, 1 << 20, 4);
                fences.Add((nint)fence);
                long gap = (long)(nint)fence - ((long)(nint)c + bytes);
                NativeMemory.Free(c);
                if (gap < 0 || gap > 4096) continue; // not adjacent: c may have merged into the top
                Assert.True(tight.Enforce());
                long before2 = MinorFaults();
                void* d = NativeMemory.Alloc(bytes);
                NativeMemory.Fill(d, bytes, 5);
                long faults = MinorFaults() - before2;
                bool same = d == c;
                NativeMemory.Free(d);
                if (same) freshFaults = faults;
            }
        }
        finally { foreach (nint f in fences) NativeMemory.Free((void*)f); }
        Assert.True(freshFaults >= 0, "no try placed a fence right after the freed block and got the block back for the refill");
        Assert.True(freshFaults > pages / 2, $"only {freshFaults} page faults after the trim ({pages} pages)");
    }
}
