using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MtSnn.Cli.Training;
using MtSnn.Neurons;
using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using MtSnn.Training.Losses;
using Xunit;

namespace MtSnn.Tests.Training;

/// <summary>
/// A checkpoint and its summary.json written by an earlier build (tests/fixtures/checkpoint/README.md) still load: the
/// configuration reads back field by field, the summary's config is a valid <c>--config</c> file giving the same
/// configuration, and <c>mtsnn eval</c> reproduces the recorded test accuracy.
/// </summary>
[Collection(TrainingCollection.Name)]
public class SavedCheckpointTests
{
    public SavedCheckpointTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static string Fixture(string name) => Path.Combine(Repo.Root, "tests", "fixtures", "checkpoint", name);
    private static string CheckpointPath => Fixture("digits-mlp-cascade.ckpt");
    private static JsonObject Summary => JsonNode.Parse(File.ReadAllText(Fixture("digits-mlp-cascade.summary.json")))!.AsObject();

    [Fact]
    public void Fixture_IsSmall() => Assert.InRange(new FileInfo(CheckpointPath).Length, 1, 200_000);

    [Fact]
    public void SavedCheckpoint_ReadsBackEveryConfigurationField()
    {
        var c = CheckpointFile.Load(CheckpointPath).Config;
        Assert.Equal("digits", c.Dataset);
        Assert.Null(c.DataDir);
        Assert.Equal("digits-mlp", c.Model);
        Assert.Equal(OutputNeuron.Same, c.OutputNeuron);
        Assert.Equal(2, c.T);
        Assert.Equal(1, c.Epochs);
        Assert.Equal(32, c.BatchSize);
        Assert.Equal(1.0, c.Lr);
        Assert.Equal(OptimizerKind.Sgd, c.Optimizer);
        Assert.Equal(0.9, c.Momentum);
        Assert.True(c.Nesterov);
        Assert.Equal(0.0001, c.WeightDecay);
        Assert.Equal(ScheduleKind.Step, c.Schedule);
        Assert.Equal(0.0, c.Warmup);
        Assert.Equal(5, c.StepEpochs);
        Assert.Equal(0.5, c.Gamma);
        Assert.Equal(LossKind.CrossEntropy, c.Loss);
        Assert.Equal(0.1, c.LabelSmoothing);
        Assert.Equal(0.0, c.TetLambda);
        Assert.Equal(1.0, c.ClipGrad);
        Assert.Equal(MtSnn.Training.Encoding.EncodingKind.Direct, c.Encoding);
        Assert.False(c.Augment);
        Assert.Equal(1, c.Workers);
        Assert.Equal("cpu", c.Device);
        Assert.Null(c.Tf32);
        Assert.Equal(7L, c.Seed);
        Assert.Equal(20, c.MaxBatches);
        Assert.Null(c.FrameSize);
        Assert.False(c.SyncBn);
        var n = c.Neuron;
        Assert.Equal(Dynamics.LIF, n.Dynamics);
        Assert.Equal(FiringMode.Cascade, n.Mode);
        Assert.Equal(2, n.Levels);
        Assert.Equal(ThresholdPreset.Pow2, n.EffectivePreset);
        Assert.Equal(2.0, n.Tau);
        Assert.Equal(1.0, n.VThreshold);
        Assert.False(n.TrainableVThreshold);
        Assert.Equal(0.0, n.VReset);
        Assert.Equal(ResetMode.Soft, n.EffectiveReset);
        Assert.True(n.DetachReset);
        Assert.True(n.DecayInput);
        Assert.Equal(4.0, Assert.IsType<Sigmoid>(n.Surrogate).Alpha);
        Assert.Equal(SurrogateWidth.Fixed, n.SurrogateWidth);
        Assert.False(n.NormalizeLevelGradient);
        // and it writes back the JSON it was read from
        Assert.Equal(Summary["config"]!.ToJsonString(), c.ToJson().ToJsonString());
    }

    [Fact]
    public void SavedSummaryConfig_IsAConfigFile_GivingTheCheckpointsConfiguration()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["config.json"], Summary["config"]!.ToJsonString());
        var options = new TrainCliOptions();
        var cmd = new Command("train");
        options.AddTo(cmd);
        var fromFile = options.Build(options.WithConfig(cmd, cmd.Parse(["--config", tmp["config.json"]])));
        Assert.Equal(CheckpointFile.Load(CheckpointPath).Config.ToJson().ToJsonString(), fromFile.ToJson().ToJsonString());
    }

    public static TheoryData<string> ResultConfigs() => [.. Directory.GetFiles(Path.Combine(Repo.Root, "docs", "results"), "*.json")
        .Where(f => JsonNode.Parse(File.ReadAllText(f)) is JsonObject { } o && o["config"] is JsonObject).Select(f => Path.GetFileName(f)!).Order()];

    [Theory]
    [MemberData(nameof(ResultConfigs))]
    public void PublishedResultConfigs_LoadAsJsonAndAsConfigFiles(string name)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "docs", "results", name)))!["config"]!.AsObject();
        var fromJson = TrainConfig.FromJson(config).Validate();
        using var tmp = new TempDir();
        File.WriteAllText(tmp["config.json"], config.ToJsonString());
        var options = new TrainCliOptions();
        var cmd = new Command("train");
        options.AddTo(cmd);
        var fromFile = options.Build(options.WithConfig(cmd, cmd.Parse(["--config", tmp["config.json"]])));
        Assert.Equal(fromJson.ToJson().ToJsonString(), fromFile.ToJson().ToJsonString());
    }

    [Fact]
    public void Eval_GivesTheRecordedAccuracy()
    {
        var recorded = Summary["history"]!.AsArray()[^1]!["test_acc"]!.GetValue<double>();
        Assert.Equal(recorded, CheckpointFile.Load(CheckpointPath).History[^1].TestAccuracy);
        var r = CliRunner.Run("eval", CheckpointPath, "--max-batches", "20");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"test accuracy {recorded * 100:F2}%"), r.StdOut);
    }
}
