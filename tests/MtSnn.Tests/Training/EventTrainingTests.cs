using System.Text.Json.Nodes;
using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Training;

/// <summary>Training on event data: frames of T steps from N-MNIST-format files (here made by dvs-emulate from the digits).</summary>
[Collection(TrainingCollection.Name)]
public class EventTrainingTests
{
    [Fact]
    public void Trains_on_emulated_event_frames_with_the_data_sets_own_time_axis()
    {
        using var tmp = new TempDir();
        var emu = CliRunner.Run("dvs-emulate", "--dataset", "digits", "--out", tmp["ev"], "--limit", "40");
        Assert.True(emu.ExitCode == 0, emu.ToString());
        var r = CliRunner.Run("train", "--dataset", "nmnist", "--data", tmp["ev"], "--model", "digits-cnn", "--T", "3",
                              "--epochs", "1", "--batch-size", "16", "--mode", "cascade", "--levels", "2", "--frame-size", "17", "--out", tmp["run"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var summary = JsonNode.Parse(File.ReadAllText(tmp["run/summary.json"]))!;
        Assert.Equal("nmnist", summary["config"]!["dataset"]!.GetValue<string>());
        Assert.Equal(3, summary["config"]!["T"]!.GetValue<int>());
        Assert.Equal(17, summary["config"]!["frame-size"]!.GetValue<int>());
        var metrics = File.ReadAllLines(tmp["run/metrics.csv"]);
        Assert.Equal(2, metrics.Length);   // header + one epoch; 40 training samples of T = 3 frames of 2 x 17 x 17 went through

        var eval = CliRunner.Run("eval", tmp["run/best.ckpt"]);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains("test accuracy", eval.StdOut);
    }

    [Fact]
    public void Event_data_sets_need_a_folder()
    {
        var r = CliRunner.Run("train", "--dataset", "cifar10-dvs", "--model", "vgg11", "--T", "10");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--data DIR is required", Assert.Single(r.ErrorLines));
    }
}
