using System.Text.Json.Nodes;
using MtSnn.Neurons;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Training;

[Collection(TrainingCollection.Name)]
public class TrainingRunTests
{
    public TrainingRunTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void ShortDigitsRun_LearnsAboveChance_AndWritesEveryOutput()
    {
        using var tmp = new TempDir();
        var config = new TrainConfig
        {
            Dataset = "digits", Model = "digits-cnn", T = 1, Epochs = 3, BatchSize = 64, Optimizer = OptimizerKind.Adam, Lr = 5e-3,
            Neuron = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4 }, Seed = 1, Workers = 1,
        };
        using var trainer = new Trainer(config, tmp.Path);
        double before = trainer.Evaluate().Accuracy;
        var result = trainer.Run();

        // 10 classes: chance is 10 %; three epochs of Adam reach far more
        Assert.True(result.FinalAccuracy > 0.5, $"test accuracy {result.FinalAccuracy} after 3 epochs (before training {before})");
        Assert.True(result.FinalAccuracy > before + 0.2, $"accuracy did not improve: {before} -> {result.FinalAccuracy}");
        Assert.Equal(result.History.Max(h => h.TestAccuracy), result.BestAccuracy);

        string[] csv = File.ReadAllLines(tmp["metrics.csv"]);
        Assert.Equal(EpochMetrics.CsvHeader, csv[0]);
        Assert.Equal(4, csv.Length);
        Assert.StartsWith("3,", csv[3]);

        var summary = JsonNode.Parse(File.ReadAllText(tmp["summary.json"]))!;
        Assert.Equal(result.FinalAccuracy, summary["final_test_acc"]!.GetValue<double>());
        Assert.Equal("cascade", summary["config"]!["mode"]!.GetValue<string>());
        var rates = summary["firing_rates"]!.AsArray();
        Assert.Equal(["features.1", "features.3", "classifier.1"], rates.Select(r => r!["layer"]!.GetValue<string>()));
        Assert.All(rates, r => Assert.Equal(4, r!["levels"]!.AsArray().Count));
        Assert.All(rates.SelectMany(r => r!["levels"]!.AsArray()), v => Assert.InRange(v!.GetValue<double>(), 0, 1));

        Assert.Equal(3, CheckpointFile.Load(tmp["last.ckpt"]).Epoch);
        Assert.Equal(result.BestEpoch, CheckpointFile.Load(tmp["best.ckpt"]).Epoch);

        var events = Directory.GetFiles(tmp["tb"], "events.out.tfevents.*");
        Assert.Single(events);
        // 3 epochs x (6 scalars + 2 layers x 4 levels), plus the file-version record
        Assert.True(TfRecordFrames.Read(File.ReadAllBytes(events[0])).Count >= 3 * (6 + 8), "too few TensorBoard records");
    }
}
