using System.CommandLine;
using MtSnn.Cli;
using MtSnn.Cli.Training;
using MtSnn.Models;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Training;

/// <summary>The train / eval / compare / demo command lines: every bad input ends with one error line and exit code 2.</summary>
[Collection(TrainingCollection.Name)]
public class TrainCliTests
{
    public TrainCliTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static void AssertBadInput(string expected, params string[] args)
    {
        var (code, _, err) = Run(args);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("mtsnn: notice:")).ToArray();
        Assert.True(code == CliApp.BadInput, $"exit {code} for {string.Join(' ', args)}; stderr: {err}");
        Assert.Single(lines);
        Assert.StartsWith("mtsnn: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Theory]
    [InlineData("unknown data set 'foo'", "train", "--dataset", "foo")]
    [InlineData("unknown model 'resnet-9000'", "train", "--model", "resnet-9000")]
    [InlineData("time steps T must be in 1..65536 (got 0)", "train", "--T", "0")]
    [InlineData("levels K must be >= 1", "train", "--mode", "cascade", "--levels", "0")]
    [InlineData("single firing needs K = 1", "train", "--mode", "single", "--levels", "4")]
    [InlineData("epochs must be >= 1", "train", "--epochs", "0")]
    [InlineData("unknown optimizer 'rmsprop'", "train", "--optimizer", "rmsprop")]
    [InlineData("unknown loss 'hinge'", "train", "--loss", "hinge")]
    [InlineData("unknown encoding 'latency'", "train", "--encoding", "latency")]
    [InlineData("unknown schedule 'linear'", "train", "--schedule", "linear")]
    [InlineData("--nesterov needs --optimizer sgd", "train", "--optimizer", "adam", "--nesterov")]
    [InlineData("label smoothing must be in [0, 1)", "train", "--label-smoothing", "1")]
    [InlineData("CUDA cannot be initialised", "train", "--device", "cuda", "--max-batches", "1", "--epochs", "1")]
    [InlineData("invalid device 'tpu'", "train", "--device", "tpu", "--max-batches", "1", "--epochs", "1")]
    [InlineData("--config 'no-such-config.json' does not exist", "train", "--config", "no-such-config.json")]
    [InlineData("--modes: unknown mode 'triple'", "compare", "--modes", "single,triple")]
    [InlineData("--T-list: every T must be >= 1", "compare", "--T-list", "1,0")]
    [InlineData("--levels-list: 'x' is not an integer", "compare", "--levels-list", "2,x")]
    [InlineData("checkpoint 'no-such.ckpt' does not exist", "eval", "no-such.ckpt")]
    public void BadOption_OneLine_Exit2(string expected, params string[] args) => AssertBadInput(expected, args);

    [Fact]
    public void MissingDataFiles_OneLine_Exit2()
    {
        using var tmp = new TempDir();
        AssertBadInput("cifar10: data_batch_1.bin not found", "train", "--dataset", "cifar10", "--data", tmp.Path, "--model", "digits-cnn");
    }

    [Fact]
    public void Config_UnknownKey_And_BadJson()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["a.json"], "{\"dataset\": \"digits\", \"colour\": \"red\"}");
        AssertBadInput("unknown key 'colour'", "train", "--config", tmp["a.json"]);
        File.WriteAllText(tmp["b.json"], "{\"T\": ");
        AssertBadInput("invalid JSON", "train", "--config", tmp["b.json"]);
        File.WriteAllText(tmp["c.json"], "{\"T\": \"many\"}");
        AssertBadInput("--config", "train", "--config", tmp["c.json"]);
        // a key holding a line break and an escape byte (the fuzz campaign's config-json case 95324) stays on one line, escaped
        File.WriteAllText(tmp["d.json"], "{\"col\\nour\\u001b\": 1}");
        AssertBadInput("unknown key 'col\\x0Aour\\x1B'", "train", "--config", tmp["d.json"]);
    }

    [Fact]
    public void Config_SetsEveryOption_CommandLineOverrides()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["c.json"], """{"T": 2, "lr": 0.1, "mode": "cascade", "levels": 3, "nesterov": true, "optimizer": "sgd", "data": null, "epochs": 7}""");
        var options = new TrainCliOptions();
        var cmd = new Command("train");
        options.AddTo(cmd);
        var p = options.WithConfig(cmd, cmd.Parse(["--config", tmp["c.json"], "--lr", "0.5", "--levels", "2"]));
        var c = options.Build(p);
        Assert.Equal(2, c.T);
        Assert.Equal(7, c.Epochs);
        Assert.Equal(0.5, c.Lr);                 // command line wins
        Assert.Equal(2, c.Neuron.Levels);        // command line wins
        Assert.Equal(MtSnn.Neurons.FiringMode.Cascade, c.Neuron.Mode);
        Assert.True(c.Nesterov);

        // the saved configuration of a run is itself a valid --config file that reproduces it
        File.WriteAllText(tmp["saved.json"], c.ToJsonString());
        var again = options.Build(options.WithConfig(cmd, cmd.Parse(["--config", tmp["saved.json"]])));
        Assert.Equal(c.ToJson().ToJsonString(), again.ToJson().ToJsonString());
    }

    [Fact]
    public void Checkpoints_Resume_AndEval_ErrorPaths()
    {
        using var tmp = new TempDir();
        string dir = tmp["run"];
        AssertBadInput("--resume: checkpoint", "train", "--out", dir, "--resume");
        AssertBadInput("--resume needs --out DIR", "train", "--resume");

        var (code, output, err) = Run("train", "--epochs", "1", "--max-batches", "2", "--T", "1", "--workers", "1", "--out", dir);
        Assert.True(code == 0, err);
        Assert.Contains("epoch 1/1", output);
        foreach (var f in new[] { "last.ckpt", "best.ckpt", "metrics.csv", "summary.json", "loss.png", "accuracy.png", "firing_rates.png" })
            Assert.True(File.Exists(Path.Combine(dir, f)), $"{f} missing");

        AssertBadInput("nothing to do", "train", "--out", dir, "--resume");
        AssertBadInput("--lr cannot change", "train", "--out", dir, "--resume", "--epochs", "2", "--lr", "0.5");
        (code, output, _) = Run("train", "--out", dir, "--resume", "--epochs", "2");
        Assert.True(code == 0, output);
        Assert.Contains("resuming after epoch 1", output);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Length);

        (code, output, err) = Run("eval", Path.Combine(dir, "best.ckpt"), "--max-batches", "1");
        Assert.True(code == 0, err);
        Assert.Contains("test accuracy", output);
        Assert.Contains("| features.1 |", output);   // the first neuron layer of digits-cnn

        File.WriteAllBytes(tmp["junk.ckpt"], new byte[200]);
        AssertBadInput("not a valid MtSnn checkpoint", "eval", tmp["junk.ckpt"]);

        // a checkpoint whose weights do not fit its model (claims plif-net, holds digits-cnn weights)
        var ck = CheckpointFile.Load(Path.Combine(dir, "last.ckpt"));
        CheckpointFile.Save(tmp["mismatch.ckpt"], ck with { Config = ck.Config with { Model = "plif-net" } });
        AssertBadInput("does not fit", "eval", tmp["mismatch.ckpt"]);
    }

    [Fact]
    public void Compare_And_Demo_WriteTableJsonAndPlot()
    {
        using var tmp = new TempDir();
        var (code, output, err) = Run("compare", "--modes", "single,cascade", "--levels-list", "2,3", "--T-list", "1", "--epochs", "1", "--max-batches", "1", "--workers", "1", "--out", tmp["cmp"]);
        Assert.True(code == 0, err);
        Assert.Contains("| cascade | 3 | pow2 | 1 |", output);
        var rows = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(tmp["cmp/results.json"]))!.AsArray();
        Assert.Equal(["single/1", "cascade/2", "cascade/3"], rows.Select(r => $"{r!["mode"]}/{r["levels"]}"));
        Assert.True(File.Exists(tmp["cmp/accuracy.png"]));
        Assert.Contains("| mode | K | preset | T |", File.ReadAllText(tmp["cmp/report.md"]));

        (code, output, err) = Run("demo", "--epochs", "1", "--max-batches", "2", "--seeds", "", "--out", tmp["demo"]);
        Assert.True(code == 0, err);
        var demo = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(tmp["demo/results.json"]))!.AsArray();
        Assert.Equal(["single/1/pow2/1", "parallel/4/uniform/1", "cascade/4/pow2/1", "single/1/pow2/4", "parallel/4/uniform/4", "cascade/4/pow2/4"],
            demo.Select(r => $"{r!["mode"]}/{r["levels"]}/{r["preset"]}/{r["T"]}"));
        Assert.All(demo, r => Assert.Equal(1, r!["epochs"]!.GetValue<int>()));
        Assert.Contains("cascade beat single at T = 1", output);
    }
}
