using System.Globalization;
using System.Runtime.InteropServices;
using MtSnn.Native;

// Runs one allocator scenario in this fresh process (its main thread allocates from glibc's main arena) and prints
// what it measured as "key=value" lines; RetentionGuardTests and HugePagesTests assert on them. Usage: MtSnn.AllocatorProbe stress|reuse|hugepages|cache
return args switch
{
    ["stress"] => Probe.Stress(),
    ["reuse"] => Probe.Reuse(),
    ["hugepages"] => Probe.HugePagesOfATensor(),
    ["cache"] => Probe.Cache(),
    _ => Probe.Usage(),
};

internal static unsafe class Probe
{
    public static int Usage()
    {
        Console.Error.WriteLine("usage: MtSnn.AllocatorProbe stress|reuse|hugepages|cache");
        return 2;
    }

    private static void Print(string key, long value) => Console.WriteLine($"{key}={value.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>
    /// 400 steps of allocating (16 B .. 48 MB, filled so they are resident) and freeing at random under a 64 MiB guard
    /// that is checked after every free: the worst excess over cap + slack after a check, the peak retained before a
    /// check, the trims and what no trim could give back.
    /// </summary>
    public static int Stress()
    {
        if (!CpuAllocator.ApplyRetain()) { Console.Error.WriteLine("ApplyRetain refused"); return 1; }
        const long cap = 64L << 20, slack = 24L << 20;
        var first = new RetentionGuard(1);
        first.Enforce(); // start from a trimmed heap: what is resident now, beyond the live blocks below, is the baseline
        long floor0 = first.Floor;
        var guard = new RetentionGuard(cap);
        long start = RetentionGuard.ResidentAnonymous();
        var rng = new Random(15);
        var live = new List<(nint Ptr, long Bytes)>();
        long liveBytes = 0, peakRetained = 0, maxResidue = 0, worstExcess = long.MinValue;
        for (int step = 0; step < 400; step++)
        {
            if (live.Count < 12 || rng.NextDouble() < 0.5)
            {
                long bytes = Math.Min((long)rng.Next(1, 48 << 10) << rng.Next(4, 11), 48L << 20);
                void* p = NativeMemory.Alloc((nuint)bytes);
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
                long residue = guard.Trims == 0 ? 0 : guard.Floor - floor0; // free bytes sharing pages with live blocks
                worstExcess = Math.Max(worstExcess, retained - residue - (cap + slack));
                maxResidue = Math.Max(maxResidue, residue);
            }
        }
        foreach (var (p, _) in live) NativeMemory.Free((void*)p);
        Print("cap", cap);
        Print("slack", slack);
        Print("worst_excess", worstExcess);
        Print("peak_retained", peakRetained);
        Print("trims", guard.Trims);
        Print("max_residue", maxResidue);
        return 0;
    }

    /// <summary>
    /// A freed 40 MiB block (above glibc's default mmap ceiling of 32 MB, so without retention fresh pages every time):
    /// the page faults of refilling it under a roomy guard (kept) and after a tight guard trimmed (given back).
    /// </summary>
    public static int Reuse()
    {
        if (!CpuAllocator.ApplyRetain()) { Console.Error.WriteLine("ApplyRetain refused"); return 1; }
        const int bytes = 40 << 20;
        var roomy = new RetentionGuard(1L << 30);
        void* a = NativeMemory.Alloc(bytes);
        NativeMemory.Fill(a, bytes, 1);
        NativeMemory.Free(a);
        bool roomyTrimmed = roomy.Enforce(); // 40 MiB free is under 1 GiB: kept
        long before = MinorFaults();
        void* b = NativeMemory.Alloc(bytes);
        NativeMemory.Fill(b, bytes, 2);
        long reuseFaults = MinorFaults() - before;
        NativeMemory.Free(b);

        var tight = new RetentionGuard(8L << 20);
        bool tightTrimmed = tight.Enforce();
        long before2 = MinorFaults();
        void* c = NativeMemory.Alloc(bytes);
        NativeMemory.Fill(c, bytes, 3);
        long freshFaults = MinorFaults() - before2;
        NativeMemory.Free(c);
        Print("pages", bytes / 4096);
        Print("reuse_faults", reuseFaults);
        Print("roomy_trimmed", roomyTrimmed ? 1 : 0);
        Print("tight_trimmed", tightTrimmed ? 1 : 0);
        Print("fresh_faults", freshFaults);
        return 0;
    }

    /// <summary>
    /// A 64 MiB libtorch CPU tensor, filled so it is resident: the kilobytes of its
    /// mapping backed by huge pages (AnonHugePages of the /proc/self/smaps entry that holds it) and the page faults of
    /// filling it, with the policy the environment (MTSNN_HUGEPAGES, THP_MEM_ALLOC_ENABLE) asks for.
    /// </summary>
    public static int HugePagesOfATensor()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        TorchSharp.torch.set_num_threads(1);   // the fill's page faults on this thread, where getrusage(RUSAGE_THREAD) counts them
        const long elements = 16L << 20;
        long before = MinorFaults();
        using var t = TorchSharp.torch.empty([elements], TorchSharp.torch.float32);
        t.fill_(1f);
        long faults = MinorFaults() - before;
        long address = MtSnn.Kernels.Cuda.TensorMemory.DataPointer(t);
        Print("anon_huge_kb", AnonHugePagesAt(address));
        Print("fill_faults", faults);
        Print("pages", elements * 4 / 4096);
        Print("enabled", HugePages.Enabled ? 1 : 0);
        return 0;
    }

    /// <summary>
    /// libtorch's CPU tensors under <c>MTSNN_MALLOC=cache</c> (set by the test): whether the cache is libc10's CPU
    /// allocator, what a freed 4 MiB tensor's storage does for the next tensor of its size class (same address, no
    /// page faults), a small tensor passing through, tensors made and freed on 8 threads at once (the live count goes
    /// back to what it was), a cap smaller than a block (the block is unmapped on free), and a trim. Counters are
    /// printed as differences around each step, since TorchSharp allocates a few blocks of its own at start-up.
    /// </summary>
    public static int Cache()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        TorchSharp.torch.set_num_threads(1);
        Print("current", CpuCache.IsCurrent ? 1 : 0);
        Print("layout_ok", CpuCache.LayoutMismatch(NativeLibrary.Load("libc10.so", typeof(CpuCache).Assembly, null)) is null ? 1 : 0);
        const long elements = 1_100_000; // 4.4 MB of float32: the size class of 4.5 MiB, as is 1000 elements less
        var s0 = CpuCache.Stats();
        long first;
        using (var a = TorchSharp.torch.empty([elements], TorchSharp.torch.float32))
        {
            a.fill_(1f);
            first = MtSnn.Kernels.Cuda.TensorMemory.DataPointer(a);
        }
        var s1 = CpuCache.Stats();
        long before = MinorFaults();
        long second, sum;
        using (var b = TorchSharp.torch.empty([elements - 1000], TorchSharp.torch.float32)) // a little smaller: the same class
        {
            b.fill_(2f);
            second = MtSnn.Kernels.Cuda.TensorMemory.DataPointer(b);
            sum = (long)b.sum().item<float>();
        }
        long refillFaults = MinorFaults() - before;
        var s2 = CpuCache.Stats();
        Print("first_misses", (long)(s1.Misses - s0.Misses));
        Print("first_cached_delta", (long)(s1.CachedBytes - s0.CachedBytes));
        Print("reused_same_address", first == second ? 1 : 0);
        Print("second_hits", (long)(s2.Hits - s1.Hits));
        Print("second_misses", (long)(s2.Misses - s1.Misses));
        Print("refill_faults", refillFaults);
        Print("pages", elements * 4 / 4096);
        Print("sum", sum);
        Print("expected_sum", 2 * (elements - 1000));
        using (var small = TorchSharp.torch.ones([1000], TorchSharp.torch.float32)) Print("small_sum", (long)small.sum().item<float>());
        var s3 = CpuCache.Stats();
        Print("small_counted", (long)(s3.SmallAllocations - s2.SmallAllocations));
        Print("small_missed", (long)(s3.Misses - s2.Misses));

        // 8 threads, 50 tensors each of varied sizes, all freed: live back where it was, every sum right
        long liveBefore = (long)CpuCache.Stats().LiveBytes, wrong = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var rng = new Random(i);
            for (int k = 0; k < 50; k++)
            {
                long n = rng.Next(1 << 16, 3 << 20);
                using var t = TorchSharp.torch.full([n], 1f, TorchSharp.torch.float32);
                if ((long)t.sum().item<float>() != n) Interlocked.Increment(ref wrong);
            }
        });
        Print("threads_live_delta", (long)CpuCache.Stats().LiveBytes - liveBefore);
        Print("threads_wrong_sums", wrong);

        var s4 = CpuCache.Stats();
        long trimmed = CpuCache.Trim();
        var s5 = CpuCache.Stats();
        Print("trimmed_bytes", trimmed);
        Print("cached_before_trim", (long)s4.CachedBytes);
        Print("cached_after_trim", (long)s5.CachedBytes);
        Print("cap", (long)s5.Cap);
        // a block larger than the cap (the test sets the cap to 64 MiB): freed, it is unmapped, not cached
        using (var big = TorchSharp.torch.ones([20L << 20], TorchSharp.torch.float32)) Print("big_sum", (long)big.sum().item<float>());
        var s6 = CpuCache.Stats();
        Print("big_unmapped", (long)(s6.Unmaps - s5.Unmaps));
        Print("big_cached_delta", (long)s6.CachedBytes - (long)s5.CachedBytes);
        Print("peak_cached_within_cap", s6.PeakCachedBytes <= s6.Cap ? 1 : 0);
        return 0;
    }

    /// <summary>The AnonHugePages (kB) of the /proc/self/smaps mapping that contains <paramref name="address"/>.</summary>
    private static long AnonHugePagesAt(long address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            if (dash > 0 && line.IndexOf(' ') > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long start)
                && long.TryParse(line.AsSpan(dash + 1, line.IndexOf(' ') - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long end))
                inside = address >= start && address < end;
            else if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(14).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"no /proc/self/smaps mapping holds 0x{address:x}");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UTimeSec, UTimeUsec, STimeSec, STimeUsec, MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, out RUsage usage);

    private static long MinorFaults() => GetRUsage(1 /* RUSAGE_THREAD */, out var u) == 0 ? u.MinFlt : throw new InvalidOperationException("getrusage failed");
}
