using System.CommandLine;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using MtSnn.Kernels;
using MtSnn.Native;
using MtSnn.Settings;
using TorchSharp;

namespace MtSnn.Cli.Commands;

/// <summary><c>mtsnn doctor</c>: what the native runtime looks like here, and whether tensors work.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var cmd = new Command("doctor", "Print OS, libstdc++, the TorchSharp shim and libtorch in use, threads, the CPU kernel's vector width, CUDA devices and every MTSNN_* setting (its value, or the default, and where it came from); exit 0 when tensors work (a bad MTSNN_* setting: one line on stderr, exit 2, as for every command).");
        cmd.SetAction(parse => Run(parse.InvocationConfiguration.Output));
        return cmd;
    }

    private static int Run(TextWriter o)
    {
        var report = TorchRuntime.EnsureInitialized();
        o.WriteLine($"OS:          {OsName()} ({RuntimeInformation.OSArchitecture}), .NET {Environment.Version}");
        var cxx = report.LibStdCxx;
        o.WriteLine(cxx is null
            ? "libstdc++:   not found"
            : $"libstdc++:   {cxx.Path} (newest {cxx.Newest}; {ShimRepair.MissingVersion} {(cxx.Versions.Contains(ShimRepair.MissingVersion) ? "present" : "missing")})");

        // Make one tensor: this loads the natives (the step that fails without the shim repair).
        using var scope = torch.NewDisposeScope();
        var sum = (torch.arange(1, 5, dtype: torch.float32) * 2).sum().item<float>();

        string? shim = TorchRuntime.LoadedLibraries(ShimRepair.ShimFileName).FirstOrDefault();
        o.WriteLine($"shim:        {shim ?? "not loaded"}{(shim is null ? "" : $" ({ShimKind(shim, report)})")}");
        string? libtorch = TorchRuntime.LoadedLibraries("libtorch_cpu.so").FirstOrDefault();
        o.WriteLine($"libtorch:    {(libtorch is null ? "?" : Path.GetDirectoryName(libtorch))} (version {torch.__version__}{(report.CustomLibTorchDir is null ? "" : $", from {TorchRuntime.LibTorchVariable}")})");
        o.WriteLine($"allocator:   {CpuAllocator.Description}");
        o.WriteLine($"huge pages:  {HugePages.Description}");
        o.WriteLine($"threads:     {ThreadPolicy.Description}");
        CpuKernelWidth(o);
        string why = Devices.CudaUnavailableReason();
        o.WriteLine(why.Length == 0 ? $"CUDA:        {torch.cuda.device_count()} device(s)" : $"CUDA:        none ({why})");
        bool ok = sum == 20f;
        o.WriteLine($"tensors:     {(ok ? "ok" : $"WRONG (2*(1+2+3+4) gave {sum})")}");
        Settings(o);
        return ok ? 0 : 1;
    }

    /// <summary>Every <c>MTSNN_*</c> setting, one per line: its value (or the default) and where it came from.</summary>
    private static void Settings(TextWriter o)
    {
        o.WriteLine("settings:");
        foreach (var s in MtSnnSettings.Current.All) o.WriteLine($"  {s}");
    }

    /// <summary>Prints the fused CPU kernel's vector width (the setting was checked before the command ran).</summary>
    private static void CpuKernelWidth(TextWriter o)
    {
        string? setting = MtSnnSettings.Current[CpuNeuronKernel.VectorBitsVariable].Raw;
        string source = string.IsNullOrWhiteSpace(setting) ? "from the hardware" : $"{CpuNeuronKernel.VectorBitsVariable}={setting}";
        string hardware = $"Vector512 accelerated: {(Vector512.IsHardwareAccelerated ? "yes" : "no")}";
        int bits = CpuNeuronKernel.VectorBits;
        o.WriteLine($"CPU kernel:  {bits}-bit vectors ({bits / 32} float lanes, {source}; {hardware})");
    }

    private static string ShimKind(string path, RuntimeReport report)
    {
        var bytes = File.ReadAllBytes(path);
        if (ShimRepair.NeedsRepair(bytes)) return "original";
        var repair = report.ShimRepairs.FirstOrDefault(r => r.ShimPath == path);
        if (repair is { Outcome: ShimRepairOutcome.Patched }) return "corrected copy, made now";
        if (repair is { Outcome: ShimRepairOutcome.PatchedFromCache }) return "corrected copy, from cache";
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return report.LibStdCxx?.Versions.Contains(ShimRepair.MissingVersion) == true ? "original" : $"corrected copy, made by an earlier run (sha256 {sha[..12]})";
    }

    private static string OsName()
    {
        if (File.Exists("/etc/os-release"))
            foreach (var line in File.ReadLines("/etc/os-release"))
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) return line[12..].Trim('"');
        return RuntimeInformation.OSDescription;
    }
}
