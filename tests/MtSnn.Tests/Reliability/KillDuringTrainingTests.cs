using System.Diagnostics;
using MtSnn.IO;
using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using MtSnn.Training;
using Xunit;
using Xunit.Abstractions;

namespace MtSnn.Tests.Reliability;

/// <summary>
/// Crash safety: a short training run (digits, 1 batch per epoch, so most of its time is spent writing checkpoints,
/// metrics and plots) is killed with SIGKILL at seeded random moments, again and again in the same folder, each time
/// continuing with <c>--resume</c>. After every kill the last checkpoint must load (checksum and all), and after every
/// resume no temporary file of a killed writer may remain; the run must finally complete all its epochs.
/// </summary>
[Collection(TrainingCollection.Name)]
public class KillDuringTrainingTests(ITestOutputHelper log)
{
    private const int Kills = 21;
    private const int Epochs = 400;

    [Fact]
    public void Kill_9_at_random_moments_leaves_a_loadable_checkpoint_and_resume_cleans_up()
    {
        using var dir = new TempDir();
        string run = dir["run"];
        string[] fresh = ["train", "--dataset", "digits", "--model", "digits-cnn", "--T", "1", "--epochs", $"{Epochs}", "--max-batches", "1",
            "--batch-size", "16", "--workers", "1", "--seed", "5", "--out", run];
        string[] resume = ["train", "--resume", "--out", run];
        var random = new Random(12);
        var clock = Stopwatch.StartNew();
        int killedWithCheckpoint = 0, staleSeen = 0, lastEpoch = 0;
        for (int k = 0; k < Kills; k++)
        {
            bool haveCheckpoint = File.Exists(Path.Combine(run, "last.ckpt"));
            using var p = CliProcess.Start(haveCheckpoint ? resume : fresh, dir.Path);
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            // wait until the run is past its start-up (first checkpoint of this process written), then a random extra delay
            var started = Stopwatch.StartNew();
            var firstWrite = File.Exists(Path.Combine(run, "last.ckpt")) ? File.GetLastWriteTimeUtc(Path.Combine(run, "last.ckpt")) : DateTime.MinValue;
            while (!p.HasExited && started.Elapsed < TimeSpan.FromSeconds(60)
                   && (!File.Exists(Path.Combine(run, "last.ckpt")) || File.GetLastWriteTimeUtc(Path.Combine(run, "last.ckpt")) == firstWrite))
                Thread.Sleep(5);
            Thread.Sleep(random.Next(0, 400));
            Assert.False(p.HasExited, $"kill {k}: the run ended before it was killed (exit {(p.HasExited ? p.ExitCode : 0)})");
            p.Kill();   // SIGKILL
            p.WaitForExit();
            staleSeen += Directory.EnumerateFiles(run, ".*.tmp").Count();
            var ck = CheckpointFile.Load(Path.Combine(run, "last.ckpt"));   // throws when damaged
            Assert.True(ck.Epoch >= lastEpoch, $"kill {k}: the checkpoint went back from epoch {lastEpoch} to {ck.Epoch}");
            lastEpoch = ck.Epoch;
            killedWithCheckpoint++;
        }
        // the last resume runs to the end and removes what killed writers left
        var end = CliProcess.Run(["train", "--resume", "--out", run, "--epochs", $"{lastEpoch + 2}"], dir.Path);
        Assert.True(end.ExitCode == 0, end.ToString());
        Assert.DoesNotContain(Directory.EnumerateFiles(run), f => AtomicFile.WriterOf(Path.GetFileName(f)) is not null);
        Assert.Equal(lastEpoch + 2, CheckpointFile.Load(Path.Combine(run, "last.ckpt")).Epoch);
        log.WriteLine($"{Kills} kills ({killedWithCheckpoint} with a loadable checkpoint after each, {staleSeen} temporary files of killed writers seen and later removed), last epoch {lastEpoch}, {clock.Elapsed.TotalSeconds:F0} s (machine shared)");
    }
}
