using MtSnn.Data;
using MtSnn.Models;
using TorchSharp.Modules;

namespace MtSnn.Training;

/// <summary>
/// The trainer's hook for data-parallel training (implemented by <c>MtSnn.Distributed.DataParallel</c>). The trainer
/// calls it at fixed points, the same on every rank: <see cref="Synchronize"/> after building (or resuming) the model,
/// <see cref="AverageGradients"/> between backward and the optimizer step, <see cref="SynchronizeBuffers"/> before each
/// evaluation, <see cref="Sum"/> to reduce the epoch's and the evaluation's counts. Null in a single process.
/// </summary>
public interface IDataParallel : ICrossRankSum
{
    /// <summary>This process's rank; rank 0 alone writes outputs.</summary>
    int Rank { get; }
    /// <summary>The loaders' part of each epoch for this rank.</summary>
    DataShard Shard { get; }
    /// <summary>Checks that every rank has the same configuration (throws naming the first rank that differs), then copies rank 0's parameters and buffers to every rank.</summary>
    void Synchronize(SpikingModel model, TrainConfig config);
    /// <summary>
    /// Makes every parameter's gradient the mean over the global batch: <c>g ← Σ_r n_r·g_r / G</c>, with n_r this rank's
    /// samples in the step (0: contributes zeros) and G the global batch's samples.
    /// </summary>
    void AverageGradients(IReadOnlyList<Parameter> parameters, int localCount, int globalCount);
    /// <summary>Copies rank 0's buffers (BatchNorm running statistics) to every rank.</summary>
    void SynchronizeBuffers(SpikingModel model);
    /// <summary>Throws when any rank's parameters are not bit-identical to rank 0's (called after every epoch).</summary>
    void CheckConsistent(SpikingModel model);
    /// <summary>Replaces each value by its sum over all ranks (float64).</summary>
    void Sum(double[] values);
}
