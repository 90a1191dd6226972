using System.Diagnostics;

namespace MtSnn.Tests.TestSupport;

/// <summary>Paths of the repository and of the NuGet cache, and a way to run child processes, for tests.</summary>
public static class Repo
{
    /// <summary>The repository root (the folder holding MtSnn.sln), found by walking up from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MtSnn.sln"))) return d.FullName;
        throw new InvalidOperationException("MtSnn.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The NuGet global packages folder ($NUGET_PACKAGES or ~/.nuget/packages).</summary>
    public static string NuGetPackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The unmodified TorchSharp shim as NuGet delivered it.</summary>
    public static string OriginalShim => Path.Combine(NuGetPackages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The folder of the libtorch-cpu natives in the NuGet cache.</summary>
    public static string LibTorchNatives => Path.Combine(NuGetPackages, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native");

    /// <summary>Result of a child process.</summary>
    public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> to completion (killed after <paramref name="timeout"/>).</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string? workingDir = null,
                                    IDictionary<string, string?>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDir ?? Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
