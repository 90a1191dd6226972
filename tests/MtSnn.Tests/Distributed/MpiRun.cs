using System.Diagnostics;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Distributed;

/// <summary>
/// Starts real Open MPI jobs of the <c>mtsnn</c> CLI built next to the tests (<c>mpirun --oversubscribe -np N dotnet
/// MtSnn.Cli.dll ...</c>; as root with Open MPI's two consent variables, as CI runs). mpirun must be installed
/// (<c>apt-get install openmpi-bin libopenmpi-dev</c>; <c>.ci/run</c> does it).
/// </summary>
internal static class MpiRun
{
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "MtSnn.Cli.dll");

    public static string Mpirun => new[] { "/usr/bin/mpirun", "/usr/local/bin/mpirun" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mpirun not found: install Open MPI (apt-get install openmpi-bin libopenmpi-dev)");

    public static Dictionary<string, string?> Environment => new()
    {
        ["OMPI_ALLOW_RUN_AS_ROOT"] = "1", ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
        ["OMPI_MCA_btl"] = "self,vader,tcp",   // shared memory between the ranks of one machine
    };

    /// <summary>mpirun arguments for <paramref name="ranks"/> ranks of <c>mtsnn</c> with <paramref name="args"/>.</summary>
    public static List<string> Args(int ranks, IEnumerable<string> args) =>
        ["--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(), "dotnet", CliDll, .. args];

    public static Repo.ProcessResult Run(int ranks, params string[] args) =>
        Repo.Run(Mpirun, Args(ranks, args), env: Environment, timeout: TimeSpan.FromMinutes(4));

    /// <summary>Starts mpirun without waiting.</summary>
    public static Process Start(int ranks, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Mpirun) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
        foreach (var a in Args(ranks, args)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    /// <summary>The pid of the process of the job with <c>OMPI_COMM_WORLD_RANK</c> = <paramref name="rank"/>, or null.</summary>
    public static int? RankPid(int rank)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string cmd = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!cmd.Contains(CliDll, StringComparison.Ordinal) || cmd.StartsWith(Mpirun, StringComparison.Ordinal)) continue;
                string env = File.ReadAllText(Path.Combine(dir, "environ"));
                if (env.Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return null;
    }
}
