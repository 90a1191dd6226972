using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using Xunit;

namespace MtSnn.Tests.Distributed;

/// <summary>
/// Starts real Slurm job steps of the <c>mtsnn</c> CLI built next to the tests (<c>srun --mpi=M -n N --label dotnet
/// MtSnn.Cli.dll ...</c>). Needs <c>srun</c> on PATH and a cluster with a node that takes jobs: on one machine,
/// <c>apt-get install slurm-wlm munge</c> and <c>scripts/slurm/start-local.sh</c> (<c>.ci/run</c> does both).
/// </summary>
internal static class Srun
{
    private static readonly Lazy<(string? Path, string? Missing)> Probe = new(Find);

    /// <summary>srun's path, when a cluster answers.</summary>
    public static string Path => Probe.Value.Path ?? throw new InvalidOperationException(Missing);

    /// <summary>Why the srun tests cannot run here, or null.</summary>
    public static string? Missing => Probe.Value.Missing;

    /// <summary>
    /// srun arguments for <paramref name="ranks"/> tasks of <c>mtsnn</c> with <paramref name="args"/>, Slurm's MPI plugin
    /// <paramref name="mpi"/> (<c>pmix</c>: Open MPI finds its world through PMIx; <c>none</c>: singletons that join).
    /// <c>--label</c> prefixes each output line with its task's rank; <c>--immediate</c> fails instead of queueing when
    /// the node is busy.
    /// </summary>
    public static List<string> Args(string mpi, int ranks, IEnumerable<string> args) =>
        [$"--mpi={mpi}", "-n", ranks.ToString(), "--label", "--immediate=60", "--time=10", "--kill-on-bad-exit=1", "dotnet", MpiRun.CliDll, .. args];

    public static Repo.ProcessResult Run(string mpi, int ranks, IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var all = new Dictionary<string, string?>(MpiRun.Environment);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) all[k] = v;
        return Repo.Run(Path, Args(mpi, ranks, args), env: all, timeout: TimeSpan.FromMinutes(5));
    }

    private static (string?, string?) Find()
    {
        string? srun = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => System.IO.Path.Combine(d, "srun")).FirstOrDefault(File.Exists);
        if (srun is null) return (null, "srun not on PATH: install Slurm (apt-get install slurm-wlm munge) and start a node (scripts/slurm/start-local.sh)");
        string sinfo = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(srun)!, "sinfo");
        Repo.ProcessResult r;
        try { r = Repo.Run(sinfo, ["-h", "-o", "%t"], timeout: TimeSpan.FromSeconds(20)); }
        catch (Exception e) { return (null, $"sinfo did not run ({e.Message}): start the cluster with scripts/slurm/start-local.sh"); }
        string[] states = [.. r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        if (r.ExitCode != 0 || !states.Any(s => s.TrimEnd('*', '~', '#', '!', '%', '$', '@', '^', '-') is "idle" or "mix"))
            return (null, $"no Slurm node takes jobs (sinfo exit {r.ExitCode}, states '{string.Join(",", states)}' {r.StdErr.Trim()}): start one with scripts/slurm/start-local.sh");
        return (srun, null);
    }
}

/// <summary>A test that needs a Slurm cluster (<see cref="Srun"/>); skipped with the reason otherwise.</summary>
public sealed class SlurmTheoryAttribute : TheoryAttribute
{
    public SlurmTheoryAttribute() { if (Srun.Missing is { } why) Skip = why; }
}

/// <summary>
/// <c>mtsnn train</c> launched by the real <c>srun</c>: both launch contracts of docs/scaling.md train data-parallel
/// like mpirun's ranks.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class SrunTests
{
    /// <summary>
    /// <c>srun -n 2</c> on the digits data set, with Slurm's PMIx plugin (Open MPI's <c>MPI_COMM_WORLD</c> through PMIx)
    /// and without PMI (<c>--mpi=none</c>, MASTER_ADDR/MASTER_PORT exported: singletons that join, after dropping the
    /// step variables that make Open MPI refuse a singleton in a job step). Two ranks train (the banner says so); the
    /// trainer fails the run unless every rank's parameters are bit-identical after the epoch; rank 0's checkpoint
    /// equals one process trained on the global batch of 16; every line of output is rank 0's (srun labels each line
    /// with its task: "0: ").
    /// </summary>
    [SlurmTheory]
    [InlineData("pmix")]
    [InlineData("none")]
    public void SrunRanks_EqualOneProcessOnTheGlobalBatch_RankZeroAlonePrints(string mpi)
    {
        using var tmp = new TempDir();
        string dir = tmp["srun"];
        var env = mpi == "none"
            ? new Dictionary<string, string?> { ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = DigitsRecipe.FreePortPair().ToString() }
            : null;
        var r = Srun.Run(mpi, 2, DigitsRecipe.Args(8, 12, dir), env);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("x 2 ranks (mpi", r.StdOut);
        string[] lines = [.. r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        Assert.Single(lines, l => l.Contains("training digits-mlp", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.StartsWith("0: ", l));
        Assert.DoesNotContain(r.StdErr.Split('\n'), l => l.StartsWith("1: ", StringComparison.Ordinal));
        DataParallelEquivalenceTests.AssertEqualsOneProcess(dir, 16, 12);
    }
}
