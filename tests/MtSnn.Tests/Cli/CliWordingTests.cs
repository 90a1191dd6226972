using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Cli;

/// <summary>What a user reads: usage names the command mtsnn, a bad number names the option and the kind, stdout carries only what was asked for.</summary>
[Collection(MtSnn.Tests.Training.TrainingCollection.Name)]
public class CliWordingTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("neuron")]
    [InlineData("eval")]
    public void Usage_names_mtsnn_not_the_assembly(string command)
    {
        var r = CliRunner.Run(command, "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"  mtsnn {command} ", r.StdOut);
        Assert.DoesNotContain("MtSnn.Cli", r.StdOut);
    }

    [Theory]
    [InlineData("--epochs: 'x' is not an integer", "train", "--epochs", "x")]
    [InlineData("--lr: 'abc' is not a number", "train", "--lr", "abc")]
    [InlineData("--levels: '1.5' is not an integer", "neuron", "--levels", "1.5", "--input", "-")]
    [InlineData("--seed: '9999999999999999999999' is not an integer", "train", "--seed", "9999999999999999999999")]
    public void A_bad_number_names_the_option_and_the_kind(string expected, params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith($"mtsnn: error: {expected} (see 'mtsnn {args[0]} --help')", line);
        Assert.DoesNotContain("System.", line);
    }

    [Fact]
    public void Neuron_with_plot_writes_no_csv_to_stdout_unless_asked()
    {
        using var tmp = new TempDir();
        string input = Path.Combine(Repo.Root, "examples", "current.txt");
        var r = CliRunner.Run("neuron", "--input", input, "--plot", tmp["a.png"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.StdOut);
        Assert.True(File.Exists(tmp["a.png"]));
        r = CliRunner.Run("neuron", "--input", input, "--plot", tmp["b.png"], "--csv", "-");
        Assert.StartsWith("t,x,h,s1,o,v", r.StdOut);
        r = CliRunner.Run("neuron", "--input", input);
        Assert.StartsWith("t,x,h,s1,o,v", r.StdOut);
    }

    [Fact]
    public void Run_clock_labels_elapsed_epoch_eta_and_run_eta()
    {
        var t = TimeSpan.Zero;
        var clock = new MtSnn.Cli.Training.RunClock(() => t);
        clock.EpochStarted(1, 3);
        t = TimeSpan.FromSeconds(10);   // 10 s for 5 of 20 batches: 30 s left in the epoch, 2 more epochs of 40 s
        Assert.Equal("elapsed 0:10 · epoch ETA 0:30 · run ETA 1:50", clock.Line(5, 20));
        t = TimeSpan.FromSeconds(50);   // the epoch took 50 s with its evaluation
        clock.EpochFinished();
        clock.EpochStarted(2, 3);
        t = TimeSpan.FromSeconds(60);   // 10 s for 10 of 20 batches: 10 s left, then one epoch of 50 s
        Assert.Equal("elapsed 1:00 · epoch ETA 0:10 · run ETA 1:00", clock.Line(10, 20));
        Assert.Equal("1:02:03", MtSnn.Cli.Training.RunClock.Format(new TimeSpan(1, 2, 3)));
    }

    [Fact]
    public void Train_quiet_prints_only_the_table_and_plain_progress_is_labelled()
    {
        var r = CliRunner.Run("train", "--epochs", "2", "--max-batches", "1", "--T", "1", "--quiet");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("| run |", r.StdOut.TrimStart());
        Assert.DoesNotContain("epoch 1/2", r.StdOut);
        r = CliRunner.Run("train", "--epochs", "2", "--max-batches", "1", "--T", "1");
        Assert.Contains("epoch 1/2", r.StdOut);
        Assert.Contains("elapsed ", r.StdOut);
        Assert.Contains("run ETA ", r.StdOut);
    }
}
