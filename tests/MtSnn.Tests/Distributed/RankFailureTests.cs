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

    /// <summary>
    /// Ranks that no MPI runtime started (the variables torchrun sets, each rank a plain process: Open MPI singletons
    /// joined through the TCP rendezvous at MASTER_ADDR:MASTER_PORT + 1): when rank <paramref name="killed"/> is killed
    /// mid-epoch, the other one ends within seconds with one line naming it (without the peer watch it spun in its
    /// collective for ever), and rank 0's last checkpoint stays intact.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task JoinedRanks_OneKilled_TheOtherEndsAtOnceNamingIt(int killed)
    {
        using var tmp = new TempDir();
        string dir = tmp["run"], last = Path.Combine(dir, "last.ckpt");
        int port = DigitsRecipe.FreePortPair();
        var ranks = Enumerable.Range(0, 2).Select(rank =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
            foreach (var a in new[] { MpiRun.CliDll, "train", "--dataset", "digits", "--model", "digits-cnn", "--T", "1", "--epochs", "3", "--batch-size", "16",
                         "--max-batches", "30", "--seed", "2", "--workers", "1", "--out", dir }) psi.ArgumentList.Add(a);
            foreach (var (k, v) in MpiRun.Environment) psi.Environment[k] = v;
            psi.Environment["RANK"] = psi.Environment["LOCAL_RANK"] = rank.ToString();
            psi.Environment["WORLD_SIZE"] = "2";
            psi.Environment["MASTER_ADDR"] = "127.0.0.1";
            psi.Environment["MASTER_PORT"] = port.ToString();
            return Process.Start(psi)!;
        }).ToArray();
        try
        {
            var stderr = ranks.Select(p => p.StandardError.ReadToEndAsync()).ToArray();
            var stdout = ranks.Select(p => p.StandardOutput.ReadToEndAsync()).ToArray();
            var wait = Stopwatch.StartNew();
            while (!File.Exists(last) && !ranks.Any(p => p.HasExited) && wait.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(100);
            Assert.True(File.Exists(last), $"no checkpoint after the first epoch; exited: {string.Join(", ", ranks.Select(p => p.HasExited))}");
            Thread.Sleep(500);   // into epoch 2
            ranks[killed].Kill();
            var survivor = ranks[1 - killed];
            bool ended = survivor.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.True(ended, $"rank {1 - killed} did not end within 30 s of rank {killed}'s death");
            Assert.Equal(1, survivor.ExitCode);
            string[] errors = [.. (await stderr[1 - killed]).Split('\n').Where(l => l.StartsWith("mtsnn: error:", StringComparison.Ordinal))];
            Assert.Single(errors);
            Assert.StartsWith($"mtsnn: error: rank {1 - killed} of 2: rank {killed} ended without finishing (killed, crashed or out of memory)", errors[0]);
            Assert.Equal(1, CheckpointFile.Load(last).Epoch);   // intact: written atomically by rank 0
            _ = await stdout[1 - killed];
        }
        finally
        {
            foreach (var p in ranks)
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.Dispose();
            }
        }
    }

    /// <summary>
    /// Joined ranks (torchrun's variables, plain processes) where rank 0 fails with an error: its --data folder (a
    /// per-rank option) holds unreadable Fashion-MNIST files, rank 1's the real ones. Rank 0 prints its own error and
    /// tells rank 1 before MPI_Abort (which does not reach a joined singleton); rank 1 ends at once with one line naming
    /// rank 0.
    /// </summary>
    [MtSnn.Tests.Data.FashionMnistFact]
    public async Task JoinedRanks_RankZeroFailsWithAnError_TheOtherEndsNamingIt()
    {
        using var tmp = new TempDir();
        string bad = tmp["bad-data"];
        Directory.CreateDirectory(bad);
        foreach (string f in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            File.WriteAllBytes(Path.Combine(bad, f), [1, 2, 3, 4, 5, 6, 7, 8]);
        int port = DigitsRecipe.FreePortPair();
        var ranks = new[] { bad, MtSnn.Tests.Data.SharedData.FashionMnistDir! }.Select((data, rank) => Task.Run(() => Repo.Run("dotnet",
            [MpiRun.CliDll, "train", "--dataset", "fashion-mnist", "--data", data, "--model", "plif-net", "--T", "1", "--epochs", "1", "--max-batches", "2",
                "--workers", "1", "--out", tmp["run"]],
            env: new Dictionary<string, string?>(MpiRun.Environment)
            {
                ["RANK"] = rank.ToString(), ["LOCAL_RANK"] = rank.ToString(), ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port.ToString(),
            }, timeout: TimeSpan.FromMinutes(2)))).ToArray();
        var results = await Task.WhenAll(ranks);
        Assert.NotEqual(0, results[0].ExitCode);
        Assert.Contains($"mtsnn: error: rank 0 of 2: {bad}", results[0].StdErr);   // its own error: the file it could not read
        Assert.Equal(1, results[1].ExitCode);
        string[] errors = [.. results[1].StdErr.Split('\n').Where(l => l.StartsWith("mtsnn: error:", StringComparison.Ordinal))];
        Assert.Equal(["mtsnn: error: rank 1 of 2: rank 0 failed (its error is on its own stderr); ending this rank"], errors);
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
