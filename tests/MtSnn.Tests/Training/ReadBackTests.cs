using MtSnn.Neurons;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Training;

/// <summary>
/// The training loop reads its step metrics back from the device only every <c>ReadBackInterval</c> steps (CUDA: 25)
/// instead of after every step. These tests pin down that the interval changes nothing: metrics, step losses, the
/// divergence check, and that the numbers are the ones computed independently, batch by batch.
/// </summary>
[Collection(TrainingCollection.Name)]
public class ReadBackTests
{
    public ReadBackTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private sealed class Recorder : ITrainingObserver
    {
        public List<(int Epoch, int Batch, double Loss, double Accuracy)> Batches { get; } = [];
        public void EpochStarted(int epoch, int epochs, int batches) { }
        public void BatchFinished(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) => Batches.Add((epoch, batch, loss, accuracy));
        public void EpochFinished(EpochMetrics metrics, bool best) { }
    }

    [Fact]
    public void FirstEpoch_OfOneBatch_MatchesALossAndCountComputedByHand()
    {
        var config = TrainingFixtures.Tiny(epochs: 1, maxBatches: 1);
        double expectedLoss;
        long expectedCorrect;
        int count;
        // the same seed builds the same initial weights; batch 0 of epoch 0, direct encoding: no randomness in the step
        using (var fresh = new Trainer(config))
        using (var data = new TrainingData(config))
        using (var scope = NewDisposeScope())
        {
            var batch = data.TrainLoader.Epoch(0).First();
            SpikingFunctional.ResetNet(fresh.Model);
            fresh.Model.train();
            var logits = fresh.Model.forward(TrainingData.Encoder(config, data.Train).Encode(batch.Images));
            expectedLoss = config.CreateLoss().Compute(logits, batch.Labels).item<float>();
            expectedCorrect = logits.mean([0]).argmax(1).eq(batch.Labels).sum().item<long>();
            count = batch.Count;
        }
        using var t = new Trainer(config) { ReadBackInterval = 25 };
        var m = t.Run().History.Single();
        Assert.Equal(expectedLoss, Assert.Single(t.StepLosses));
        // one batch: (L x B) / B = L exactly (L has 24 significant bits, B = 32 five more; double has 53)
        Assert.Equal(expectedLoss, m.TrainLoss);
        Assert.Equal((double)expectedCorrect / count, m.TrainAccuracy);
    }

    [Fact]
    public void EpochMetrics_AreTheBatchWeightedMeansOfTheStepValues()
    {
        var config = TrainingFixtures.Tiny(epochs: 1, maxBatches: 3);
        var seen = new Recorder();
        using var t = new Trainer(config, observer: seen) { ReadBackInterval = 1 };
        var m = t.Run().History.Single();
        // every batch holds 32 images: the epoch loss is the plain mean of the 3 step losses, summed in order
        Assert.Equal(3, t.StepLosses.Count);
        Assert.Equal((t.StepLosses[0] * 32 + t.StepLosses[1] * 32 + t.StepLosses[2] * 32) / 96, m.TrainLoss);
        // with a read-back per step the observer sees the running means; their last value is the epoch's
        Assert.Equal([1, 2, 3], seen.Batches.Select(b => b.Batch));
        Assert.Equal(t.StepLosses[0], seen.Batches[0].Loss);
        Assert.Equal(m.TrainLoss, seen.Batches[2].Loss);
        Assert.Equal(m.TrainAccuracy, seen.Batches[2].Accuracy);
        // running accuracy x images seen = whole counts, non-decreasing
        var counts = seen.Batches.Select((b, i) => b.Accuracy * 32 * (i + 1)).ToArray();
        Assert.All(counts, c => Assert.Equal(Math.Round(c), c, 9));
        Assert.True(counts[0] <= counts[1] && counts[1] <= counts[2]);
    }

    [Fact]
    public void ReadBackInterval_ChangesNoMetric_OnlyWhenTheObserverHearsOfThem()
    {
        var config = TrainingFixtures.Tiny(epochs: 2, maxBatches: 4);
        var runs = new List<(string[] Csv, double[] Steps, Recorder Seen)>();
        foreach (int interval in new[] { 1, 3, 25 })
        {
            using var tmp = new TempDir();
            var seen = new Recorder();
            using (var t = new Trainer(config, tmp.Path, seen) { ReadBackInterval = interval })
            {
                t.Run();
                runs.Add(([.. File.ReadAllLines(tmp["metrics.csv"]).Skip(1).Select(WithoutTimes)], [.. t.StepLosses], seen));
            }
        }
        Assert.Equal(2, runs[0].Csv.Length);
        Assert.Equal(runs[0].Csv, runs[1].Csv);   // epoch, lr, train loss/acc, test loss/acc: identical text
        Assert.Equal(runs[0].Csv, runs[2].Csv);
        Assert.Equal(runs[0].Steps, runs[1].Steps);
        Assert.Equal(runs[0].Steps, runs[2].Steps);
        Assert.Equal([1, 2, 3, 4, 1, 2, 3, 4], runs[0].Seen.Batches.Select(b => b.Batch));
        Assert.Equal([3, 4, 3, 4], runs[1].Seen.Batches.Select(b => b.Batch));   // every 3 steps and at the epoch end
        Assert.Equal([4, 4], runs[2].Seen.Batches.Select(b => b.Batch));
        Assert.Equal(runs[0].Seen.Batches[2], runs[1].Seen.Batches[0]);            // same running means at batch 3
        Assert.Equal(runs[0].Seen.Batches[7], runs[2].Seen.Batches[1]);

        static string WithoutTimes(string row) => string.Join(',', row.Split(',')[..6]);   // img_per_s and seconds are timings
    }

    [Theory]
    [InlineData(1)]
    [InlineData(25)]
    public void DivergingRun_Throws_NamingTheEpochAndTheFirstBadBatch(int interval)
    {
        var config = TrainingFixtures.Tiny(epochs: 1, maxBatches: 6) with { Lr = 1e30, Momentum = 0, Nesterov = false, Warmup = 0 };
        using var t = new Trainer(config) { ReadBackInterval = interval };
        var e = Assert.Throws<ArithmeticException>(() => t.Run());
        Assert.Contains("training diverged", e.Message);
        Assert.Contains("at epoch 1, batch ", e.Message);
        // the batch named is the first non-finite step whether the check ran after every step or once at the end
        int batch = int.Parse(e.Message.Split("batch ")[1].Split(' ')[0]);
        Assert.InRange(batch, 2, 6);   // step 1 runs on the initial weights (finite); the update of lr 1e30 breaks them
        Assert.Equal(batch - 1, t.StepLosses.Count);
        Assert.All(t.StepLosses, l => Assert.True(double.IsFinite(l)));
    }

    [Fact]
    public void ReadBackInterval_BelowOne_IsRefused()
    {
        using var t = new Trainer(TrainingFixtures.Tiny(epochs: 1, maxBatches: 1));
        Assert.Equal(1, t.ReadBackInterval);   // CPU: nothing runs ahead, read after every step
        Assert.Contains("read-back interval must be >= 1", Assert.Throws<ArgumentException>(() => t.ReadBackInterval = 0).Message);
    }
}
