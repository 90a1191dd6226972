using System.Text.Json.Nodes;
using MtSnn.Cli;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Training;

/// <summary>A user's first <c>mtsnn train</c>, with no options but the epochs: it must learn.</summary>
[Collection(TrainingCollection.Name)]
public class DefaultRecipeTests
{
    public DefaultRecipeTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void FirstTrain_Digits_ThreeEpochs_Defaults_ReachNinetyPercent()
    {
        using var tmp = new TempDir();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["train", "--dataset", "digits", "--model", "digits-cnn", "--epochs", "3", "--out", tmp["run"]], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        var summary = JsonNode.Parse(File.ReadAllText(tmp["run/summary.json"]))!;
        double acc = summary["final_test_acc"]!.GetValue<double>();
        // 10 classes, chance 10 %; SGD lr 0.1 (the old default) stayed there
        Assert.True(acc >= 0.90, $"default recipe reached {acc:P2} after 3 epochs");
        Assert.Equal("adam", summary["config"]!["optimizer"]!.GetValue<string>());
        Assert.Equal(5e-3, summary["config"]!["lr"]!.GetValue<double>());
        Assert.Equal("cosine", summary["config"]!["schedule"]!.GetValue<string>());
    }

    [Fact]
    public void DefaultLr_FollowsOptimizerAndModel_UnlessSet()
    {
        Assert.Equal(5e-3, new TrainConfig { Model = "digits-cnn" }.Lr);
        Assert.Equal(1e-3, new TrainConfig { Model = "plif-net" }.Lr);
        Assert.Equal(0.1, new TrainConfig { Model = "digits-cnn", Optimizer = OptimizerKind.Sgd }.Lr);
        Assert.Equal(0.3, new TrainConfig { Model = "plif-net", Lr = 0.3 }.Lr);
        // a saved configuration keeps its rate even when the model changes afterwards
        var saved = TrainConfig.FromJson(new TrainConfig { Model = "digits-cnn" }.ToJson());
        Assert.Equal(5e-3, (saved with { Model = "plif-net" }).Lr);
    }

    [Fact]
    public void Help_ShowsTheDefaultRates()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["train", "--help"], stdout, new StringWriter()));
        string help = stdout.ToString();
        Assert.Contains("adam 0.005 for digits-cnn", help);
        Assert.Contains("sgd 0.1", help);
    }
}
