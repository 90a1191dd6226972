using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using MtSnn.Settings;
using TorchSharp;

namespace MtSnn.Native;

/// <summary>
/// The one entry point that prepares TorchSharp's native runtime. It runs by itself when the MtSnn assembly is
/// first used (a module initializer), before any tensor exists, and may be called explicitly first thing in a
/// program that touches TorchSharp before MtSnn. It
/// <list type="bullet">
/// <item>repairs TorchSharp's shim in place when the system libstdc++ lacks GLIBCXX_3.4.32 (see <see cref="ShimRepair"/>);</item>
/// <item>honours <c>MTSNN_LIBTORCH=&lt;dir&gt;</c>: the libtorch in that folder (e.g. a PyTorch install's <c>torch/lib</c>, with CUDA) is loaded instead of the packaged CPU one;</item>
/// <item>makes libtorch's OpenMP threads wait passively (<see cref="ThreadPolicy"/>);</item>
/// <item>asks for transparent huge pages for libtorch's large CPU blocks (<c>MTSNN_HUGEPAGES</c>, <see cref="HugePages"/>);</item>
/// <item>applies the allocator policy of <c>MTSNN_MALLOC</c> (default: glibc keeps freed memory for reuse up to a cap; see <see cref="CpuAllocator"/>).</item>
/// </list>
/// Failures are not hidden: <see cref="EnsureInitialized"/> throws <see cref="NativeRuntimeException"/> with one line saying what is wrong.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static RuntimeReport? _report;
    private static Exception? _failure;

    /// <summary>Environment variable naming a libtorch folder to use instead of the packaged one.</summary>
    public const string LibTorchVariable = "MTSNN_LIBTORCH";

    /// <summary>Why the initialisation failed (one line), or null: before it ran, or when it succeeded.</summary>
    internal static Exception? Failure { get { lock (Gate) return _failure; } }

    /// <summary>What the initialisation did; null before it ran.</summary>
    public static RuntimeReport? Report { get { lock (Gate) return _report; } }

    /// <summary>Hook run when the MtSnn assembly is loaded; failures surface at <see cref="EnsureInitialized"/> or TorchSharp's own load.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before TorchSharp's static constructor loads the natives.")]
    internal static void OnModuleLoad()
    {
        try { EnsureInitialized(); }
        catch (Exception e) when (e is NativeRuntimeException or SettingException) { /* remembered in _failure and rethrown by the next explicit call */ }
    }

    /// <summary>Prepares the native runtime once; later calls return the same report (or rethrow the same failure).</summary>
    public static RuntimeReport EnsureInitialized()
    {
        lock (Gate)
        {
            if (_report is not null) return _report;
            if (_failure is not null) throw _failure;
            try
            {
                _report = Initialize();
                return _report;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ElfFormatException or DllNotFoundException)
            {
                _failure = new NativeRuntimeException($"MtSnn could not prepare TorchSharp's native runtime: {e.Message}", e);
                throw _failure;
            }
            catch (Exception e) when (e is NativeRuntimeException or SettingException)   // a bad MTSNN_MALLOC, MTSNN_MALLOC_CAP or MTSNN_HUGEPAGES: its one line
            {
                _failure = e;
                throw;
            }
        }
    }

    private static RuntimeReport Initialize()
    {
        // Environment for native code first: libgomp reads OMP_WAIT_POLICY when it loads, and PrepareNatives may
        // preload MTSNN_LIBTORCH's libtorch (and its libgomp); libc10 reads THP_MEM_ALLOC_ENABLE at its first CPU allocation.
        ThreadPolicy.ApplyWaitPolicy();
        ExceptionDispatchInfo? badHugePages = null;   // thrown after the shim work, so that a bad setting leaves TorchSharp loadable
        try { HugePages.Apply(); }
        catch (Exception e) when (e is NativeRuntimeException or SettingException) { badHugePages = ExceptionDispatchInfo.Capture(e); }
        var report = PrepareNatives();
        badHugePages?.Throw();
        // After the shim work, so that a bad MTSNN_MALLOC leaves TorchSharp loadable; still before any tensor.
        CpuAllocator.EnsureConfigured();
        return report;
    }

    private static RuntimeReport PrepareNatives()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return new RuntimeReport(null, [], [], null);

        var stdcxx = LibStdCxxInfo.Probe();
        var repairs = new List<ShimRepairResult>();
        if (stdcxx is not null && !stdcxx.Versions.Contains(ShimRepair.MissingVersion))
        {
            foreach (string shim in CandidateShims())
            {
                var r = ShimRepair.RepairInPlace(shim, ShimRepair.DefaultCacheRoot());
                repairs.Add(r);
                // Only a newly made copy is news; putting the cached copy back after a build is silent (mtsnn doctor shows it).
                if (r.Outcome == ShimRepairOutcome.Patched)
                    Console.Error.WriteLine($"mtsnn: notice: system libstdc++ lacks {ShimRepair.MissingVersion}; made a corrected copy of TorchSharp's native shim: {r.CachedCopy}");
            }
        }

        var preloaded = new List<string>();
        string? custom = MtSnnSettings.Current.LibTorchDir;
        if (!string.IsNullOrEmpty(custom)) preloaded.AddRange(PreloadLibTorch(custom));
        return new RuntimeReport(stdcxx, repairs, preloaded, string.IsNullOrEmpty(custom) ? null : custom);
    }

    /// <summary>
    /// Every <c>libLibTorchSharp.so</c> in the folders .NET probes for TorchSharp's natives: the host's native
    /// search directories (from the app's deps.json: its own folder, runtimes/linux-x64/native, or the NuGet
    /// cache), and TorchSharp.dll's folder with its runtimes/linux-x64/native.
    /// </summary>
    public static IReadOnlyList<string> CandidateShims() =>
        NativeSearchDirectories().Select(d => Path.Combine(d, ShimRepair.ShimFileName)).Where(File.Exists).ToList();

    /// <summary>
    /// The folders .NET probes for TorchSharp's natives, full paths without repeats: the host's native search
    /// directories (from the app's deps.json) then TorchSharp.dll's folder and its runtimes/linux-x64/native.
    /// </summary>
    public static IReadOnlyList<string> NativeSearchDirectories()
    {
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string list)
            dirs.AddRange(list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        string? tsDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(tsDir))
        {
            dirs.Add(tsDir);
            dirs.Add(Path.Combine(tsDir, "runtimes", "linux-x64", "native"));
        }
        return dirs.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
    }

    private static readonly string[] LibTorchLoadOrder =
        ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];

    private static IEnumerable<string> PreloadLibTorch(string dir)
    {
        if (!Directory.Exists(dir)) throw new NativeRuntimeException($"{LibTorchVariable}={dir}: no such folder (expected a libtorch lib folder, e.g. <python site-packages>/torch/lib)");
        if (!File.Exists(Path.Combine(dir, "libtorch_cpu.so")))
            throw new NativeRuntimeException($"{LibTorchVariable}={dir}: no libtorch_cpu.so there (expected a libtorch lib folder, e.g. <python site-packages>/torch/lib)");
        foreach (string shim in CandidateShims())
        {
            string? local = Path.GetDirectoryName(shim);
            if (local is not null && File.Exists(Path.Combine(local, "libtorch_cpu.so")) &&
                !string.Equals(Path.GetFullPath(local), Path.GetFullPath(dir), StringComparison.Ordinal))
                throw new NativeRuntimeException($"{LibTorchVariable}={dir} is set, but the application also carries its own libtorch in {local}; two libtorch copies cannot share a process. Use a build without the libtorch-cpu natives (e.g. the CUDA bundle) or unset {LibTorchVariable}.");
        }
        var loaded = new List<string>();
        foreach (string name in LibTorchLoadOrder)
        {
            string path = Path.Combine(dir, name);
            if (!File.Exists(path)) continue;
            // The shim's DT_NEEDED entries (libtorch.so, libc10.so, ...) then resolve to these by soname.
            if (!NativeLibrary.TryLoad(path, out _))
                throw new NativeRuntimeException($"{LibTorchVariable}: could not load {path} (missing CUDA libraries on LD_LIBRARY_PATH?)");
            loaded.Add(path);
        }
        return loaded;
    }

    /// <summary>The paths of the loaded objects whose file name contains <paramref name="fragment"/>, read from /proc/self/maps.</summary>
    public static IReadOnlyList<string> LoadedLibraries(string fragment)
    {
        if (!File.Exists("/proc/self/maps")) return [];
        return File.ReadLines("/proc/self/maps")
            .Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : null)
            .Where(p => p is not null && Path.GetFileName(p).Contains(fragment, StringComparison.Ordinal))
            .Select(p => p!).Distinct().ToList();
    }
}

/// <summary>The native runtime could not be prepared; the message is one line saying why.</summary>
public sealed class NativeRuntimeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What <see cref="TorchRuntime"/> found and did.</summary>
/// <param name="LibStdCxx">The system libstdc++ (null when not on Linux x64).</param>
/// <param name="ShimRepairs">The shims inspected, with what was done to each.</param>
/// <param name="PreloadedLibTorch">libtorch libraries loaded from <c>MTSNN_LIBTORCH</c>.</param>
/// <param name="CustomLibTorchDir">The <c>MTSNN_LIBTORCH</c> folder, if set.</param>
public sealed record RuntimeReport(LibStdCxxInfo? LibStdCxx, IReadOnlyList<ShimRepairResult> ShimRepairs,
                                   IReadOnlyList<string> PreloadedLibTorch, string? CustomLibTorchDir);
