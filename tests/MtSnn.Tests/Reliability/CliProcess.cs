using System.Diagnostics;
using System.Text;

namespace MtSnn.Tests.Reliability;

/// <summary>
/// The built <c>mtsnn</c> (MtSnn.Cli.dll beside the test assembly) started as a real process with <c>dotnet</c>, in a
/// chosen working folder, with extra environment variables and optional stdin bytes.
/// </summary>
public static class CliProcess
{
    /// <summary>The CLI assembly the test project copies beside itself.</summary>
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "MtSnn.Cli.dll");

    /// <summary>What a run printed: exit code and the raw bytes of stdout and stderr (decoded leniently for messages).</summary>
    public sealed record Result(int ExitCode, string StdOut, byte[] StdErrBytes)
    {
        /// <summary>stderr as UTF-8 (invalid bytes shown as U+FFFD).</summary>
        public string StdErr => Encoding.UTF8.GetString(StdErrBytes);

        /// <summary>stderr lines other than the native runtime's notices.</summary>
        public string[] ErrorLines => StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("mtsnn: notice:", StringComparison.Ordinal)).ToArray();

        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
    }

    /// <summary>Starts the CLI and returns its process (stdout/stderr redirected; stdin closed unless given).</summary>
    public static Process Start(IEnumerable<string> args, string workingDir, IReadOnlyDictionary<string, string>? env = null, bool redirectStdin = false)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = workingDir, UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_TieredPGO"] = "0";
        foreach (var k in new[] { "MTSNN_NEURON_BACKEND", "MTSNN_CPU_VECTOR_BITS", "MTSNN_CUDA_BACKWARD", "MTSNN_MALLOC", "MTSNN_MALLOC_CAP", "MTSNN_HUGEPAGES", "THP_MEM_ALLOC_ENABLE" }) psi.Environment.Remove(k);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        if (!redirectStdin) p.StandardInput.Close();
        return p;
    }

    /// <summary>Runs the CLI to completion; a run that does not end within <paramref name="limit"/> is killed and reported as a hang.</summary>
    public static Result Run(IEnumerable<string> args, string workingDir, IReadOnlyDictionary<string, string>? env = null, byte[]? stdin = null, TimeSpan? limit = null)
    {
        using var p = Start(args, workingDir, env, redirectStdin: stdin is not null);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = new MemoryStream();
        var copyErr = p.StandardError.BaseStream.CopyToAsync(stderr);
        if (stdin is not null)
        {
            try { p.StandardInput.BaseStream.Write(stdin); p.StandardInput.Close(); }
            catch (IOException) { }   // the CLI may exit before reading everything
        }
        if (!p.WaitForExit(limit ?? TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"mtsnn {string.Join(' ', args)} hung (killed)");
        }
        p.WaitForExit();
        copyErr.Wait();
        return new Result(p.ExitCode, stdout.Result, stderr.ToArray());
    }
}
