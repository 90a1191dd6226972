using System.Diagnostics;
using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Distributed;

/// <summary>Faults of a real 2-rank Open MPI job: a rank killed mid-epoch, and ranks started with different options.</summary>
[Collection(TrainingCollection.Name)]
public sealed class RankFailureTests
{
    [Fact]
    public async Task KilledRank_EndsTheJob_CheckpointStaysGood_ResumeOnOneRankFinishes()
    {
        using var tmp = new TempDir();
        string dir = tmp["run"], last = Path.Combine(dir, "last.ckpt");
        using var job = MpiRun.Start(2, ["train", "--dataset", "digits", "--model", "digits-cnn", "--T", "1", "--epochs", "3", "--batch-size", "16",
            "--max-batches", "30", "--seed", "2", "--workers", "1", "--out", dir]);
        var stderr = job.StandardError.ReadToEndAsync();
        var stdout = job.StandardOutput.ReadToEndAsync();
        var wait = Stopwatch.StartNew();
        while (!File.Exists(last) && !job.HasExited && wait.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(100);
        Assert.True(File.Exists(last), $"no checkpoint after the first epoch; exited: {job.HasExited}");
        Thread.Sleep(500);   // into epoch 2
        int pid = MpiRun.RankPid(1) ?? throw new InvalidOperationException("rank 1's process not found");
        Process.GetProcessById(pid).Kill();
        var killed = Stopwatch.StartNew();
        bool ended = job.WaitForExit(TimeSpan.FromSeconds(60));
        if (!ended) job.Kill(entireProcessTree: true);
        Assert.True(ended, "rank 0 and mpirun did not end within 60 s of rank 1's death");
        string err = await stderr;
        Assert.NotEqual(0, job.ExitCode);
        Assert.Contains("rank 1", err);
        Assert.Matches("signal 9|Killed", err);

        var ck = CheckpointFile.Load(last);   // intact: written atomically by rank 0
        Assert.Equal(1, ck.Epoch);
        var resumed = CliRunner.Run("train", "--resume", "--out", dir);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("resuming after epoch 1", resumed.StdOut);
        Assert.Equal(3, CheckpointFile.Load(last).Epoch);
        Assert.True(killed.Elapsed < TimeSpan.FromMinutes(5));
        _ = await stdout;
    }

    [Fact]
    public void RanksWithDifferentOptions_OneErrorLineFromRankZero()
    {
        using var tmp = new TempDir();
        string[] common = ["train", "--dataset", "digits", "--model", "digits-mlp", "--epochs", "1", "--max-batches", "2", "--workers", "1"];
        List<string> args = [.. MpiRun.Args(1, [.. common, "--T", "1"]), ":", "-np", "1", "dotnet", MpiRun.CliDll, .. common, "--T", "2"];
        var r = Repo.Run(MpiRun.Mpirun, args, env: MpiRun.Environment, timeout: TimeSpan.FromMinutes(2));
        Assert.Equal(2, r.ExitCode);
        var errors = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("mtsnn: error:", StringComparison.Ordinal)).ToArray();
        Assert.Single(errors);
        Assert.Contains("rank 1's configuration differs from rank 0's", errors[0]);
    }
}
