using MtSnn.Native;
using MtSnn.Tests.Reliability;
using Xunit;

namespace MtSnn.Tests.Native;

/// <summary>
/// <c>MTSNN_MALLOC=cache</c>: libtorch's CPU tensors from MtSnn's size-class cache (Native/CpuCache). The cache is
/// process-wide and installed before the first tensor, so each test runs a fresh process: the allocator probe
/// (tests/MtSnn.AllocatorProbe) or the CLI.
/// </summary>
public class CpuCacheTests
{
    private static bool Supported => OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64;

    [Fact]
    public void Cache_is_a_value_of_MTSNN_MALLOC() =>
        Assert.Equal(CpuAllocatorMode.Cache, CpuAllocator.Parse(" Cache "));

    [Fact]
    public void In_a_fresh_process_tensors_come_from_the_cache_and_freed_blocks_are_reused_within_the_cap()
    {
        if (!Supported) return;   // the cache is built for Linux x64 only; elsewhere asking for it is an error (below)
        var m = RetentionGuardTests.Probe("cache", new Dictionary<string, string> { [CpuAllocator.Variable] = "cache", [CpuAllocator.CapVariable] = "64M" });
        Assert.Equal(1, m["current"]);       // libc10's GetCPUAllocator() is the cache
        Assert.Equal(1, m["layout_ok"]);     // libc10's c10::Allocator vtable has the slots the cache implements
        Assert.Equal(64L << 20, m["cap"]);
        // a 4.4 MB tensor maps one block (of the 4.5 MiB class); freed, it is cached; a slightly smaller tensor of the same class takes it back:
        // the same address, served without page faults (filling fresh pages would fault about 'pages' times)
        Assert.Equal(1, m["first_misses"]);
        Assert.Equal(9L << 19, m["first_cached_delta"]); // 4.5 MiB: 4.4 MB + the header, rounded up to an eighth of 4 MiB
        Assert.True(m["first_cached_delta"] >= 4L << 20, $"freed 4.4 MB tensor: cached grew by {m["first_cached_delta"]} bytes");
        Assert.Equal(1, m["reused_same_address"]);
        Assert.Equal(1, m["second_hits"]);
        Assert.Equal(0, m["second_misses"]);
        Assert.True(m["refill_faults"] < m["pages"] / 8, $"refilling a reused block took {m["refill_faults"]} page faults ({m["pages"]} pages)");
        Assert.Equal(m["expected_sum"], m["sum"]);
        // below the threshold: the C library's, counted, not mapped
        Assert.Equal(1000, m["small_sum"]);
        Assert.True(m["small_counted"] >= 1);
        Assert.Equal(0, m["small_missed"]);
        // 400 tensors made and freed on 8 threads: every sum right, nothing left counted as live
        Assert.Equal(0, m["threads_wrong_sums"]);
        Assert.Equal(0, m["threads_live_delta"]);
        // a trim gives back every cached byte
        Assert.True(m["cached_before_trim"] > 0);
        Assert.Equal(m["cached_before_trim"], m["trimmed_bytes"]);
        Assert.Equal(0, m["cached_after_trim"]);
        // an 80 MiB block does not fit the 64 MiB cap: unmapped when freed, never cached; the free lists stayed within the cap
        Assert.Equal(20L << 20, m["big_sum"]);
        Assert.Equal(1, m["big_unmapped"]);
        Assert.Equal(0, m["big_cached_delta"]);
        Assert.Equal(1, m["peak_cached_within_cap"]);
    }

    [Fact]
    public void Training_under_the_cache_gives_the_same_numbers_as_the_C_library()
    {
        if (!Supported) return;
        string root = Path.Combine(Path.GetTempPath(), "mtsnn-cache-train-" + Guid.NewGuid().ToString("N"));
        try
        {
            string Train(string mode)
            {
                string outDir = Path.Combine(root, mode);
                var r = CliProcess.Run(["train", "--dataset", "digits", "--model", "digits-cnn", "--mode", "cascade", "--levels", "4", "-T", "2",
                    "--epochs", "2", "--batch-size", "64", "--threads", "1", "--workers", "1", "--seed", "3", "--quiet", "--out", outDir],
                    root, new Dictionary<string, string> { [CpuAllocator.Variable] = mode });
                Assert.True(r.ExitCode == 0, r.ToString());
                string summary = File.ReadAllText(Path.Combine(outDir, "summary.json"));
                Assert.Contains(mode == "cache" ? "MTSNN_MALLOC=cache" : "MTSNN_MALLOC=system", summary);
                return File.ReadAllText(Path.Combine(outDir, "metrics.csv"));
            }
            Directory.CreateDirectory(root);
            string system = Train("system"), cache = Train("cache");
            // one thread, one seed: the allocator must not change a single digit of any epoch's learning rate, losses
            // and accuracies (reused blocks hold old data, fresh pages zeros: a kernel reading memory it did not write
            // would show here); the img/s and seconds columns may differ
            Assert.Equal(Deterministic(system), Deterministic(cache));
            Assert.Equal(3, system.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);   // a header and two epochs: something was compared
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>metrics.csv without its timing columns (names containing "img_per_s", "time" or "seconds").</summary>
    private static string Deterministic(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length)
            .Where(i => !header[i].Contains("img_per_s", StringComparison.Ordinal) && !header[i].Contains("time", StringComparison.Ordinal) && !header[i].Contains("seconds", StringComparison.Ordinal))
            .ToArray();
        Assert.True(keep.Length >= 4, $"metrics.csv has too few columns to compare: {lines[0]}");
        return string.Join('\n', lines.Select(l => string.Join(',', keep.Select(i => l.Split(',')[i]))));
    }

    [Fact]
    public void The_layout_check_refuses_a_library_that_is_not_libc10()
    {
        if (!Supported) return;
        nint libc = System.Runtime.InteropServices.NativeLibrary.Load("libc.so.6");
        Assert.Equal("libc10 lacks c10::SetCPUAllocator, c10::GetCPUAllocator or c10::Allocator's vtable", CpuCache.LayoutMismatch(libc));
    }
}
