using MtSnn.Neurons;
using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Distributed;

/// <summary>
/// Data-parallel training on real Open MPI ranks equals single-process training on the same global batches: every rank
/// ends with bit-identical parameters (the trainer compares them after every epoch and fails otherwise), and rank 0's
/// checkpoint equals, within float32 summation-order tolerance, a single process trained with batch B·W.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class DataParallelEquivalenceTests
{
    private static TrainConfig Config(int batch, int maxBatches) => new TrainConfig
    {
        Dataset = "digits", Model = "digits-mlp", T = 2, Epochs = 1, BatchSize = batch, MaxBatches = maxBatches,
        Optimizer = OptimizerKind.Sgd, Lr = 0.05, Momentum = 0.9, Neuron = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 2 },
        Seed = 5, Workers = 1, Schedule = ScheduleKind.Constant,
    }.Validate();

    [Theory]
    [InlineData(2, 8, 12)]    // full global batches of 16
    [InlineData(3, 16, 0)]    // the whole epoch: its last global batch of 48 is split 3 ways unevenly (odd shards)
    public void MpiRanks_EqualOneProcessOnTheGlobalBatch(int ranks, int batch, int maxBatches)
    {
        using var tmp = new TempDir();
        string dir = tmp["dp"];
        var r = MpiRun.Run(ranks, "train", "--dataset", "digits", "--model", "digits-mlp", "--T", "2", "--epochs", "1", "--batch-size", batch.ToString(),
            "--max-batches", maxBatches.ToString(), "--mode", "cascade", "--levels", "2", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--schedule", "constant",
            "--seed", "5", "--workers", "1", "--out", dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"x {ranks} ranks", r.StdOut);
        Assert.Single(r.StdOut.Split('\n'), l => l.Contains("training digits-mlp", StringComparison.Ordinal));   // rank 0 alone prints

        var single = Config(batch * ranks, maxBatches);
        using var one = new Trainer(single);
        var oneResult = one.Run();
        using var dp = Trainer.Resume(Path.Combine(dir, "last.ckpt"));
        foreach (var ((name, p), (_, q)) in one.Model.state_dict().Zip(dp.Model.state_dict()))
        {
            double diff = p.sub(q).abs().max().item<float>(), scale = p.abs().max().item<float>();
            Assert.True(diff <= 1e-5 + 1e-4 * scale, $"{name}: max |single - {ranks} ranks| = {diff:g3} (max |w| = {scale:g3})");
        }
        var ck = CheckpointFile.Load(Path.Combine(dir, "last.ckpt"));
        Assert.Equal(oneResult.History[0].TrainLoss, ck.History[0].TrainLoss, 4);
        Assert.Equal(oneResult.Final.Accuracy, ck.History[0].TestAccuracy, 2);
    }
}
