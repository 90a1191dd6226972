using MtSnn.Data;
using MtSnn.Models;

namespace MtSnn.Training;

/// <summary>Rebuilds a checkpoint's model: opens the test split of the configured data set (its image shape and classes size the model), builds the zoo model and loads the weights.</summary>
public static class CheckpointModel
{
    /// <summary>
    /// The test split of <paramref name="config"/>'s data set and the model of <paramref name="checkpoint"/> built for it,
    /// weights loaded (throws <see cref="InvalidDataException"/> with one line when they do not fit). The model is on the CPU, in training mode as built.
    /// </summary>
    public static (IImageDataset Test, SpikingModel Model) Build(Checkpoint checkpoint, TrainConfig config, string source)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(config);
        var test = TrainingData.Open(config, DatasetSplit.Test);
        var model = ModelZoo.Create(config.Model, config.ModelSpec(TrainingData.ModelInput(test, test.Shape), test.NumClasses));
        try
        {
            CheckpointFile.LoadInto(checkpoint, model, source);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (test, model);
    }

    /// <summary>Loads <paramref name="path"/> and builds its model for the checkpoint's own data set (see <see cref="Build"/>).</summary>
    public static (Checkpoint Checkpoint, IImageDataset Test, SpikingModel Model) Load(string path, string? dataDir = null)
    {
        var ck = CheckpointFile.Load(path);
        var (test, model) = Build(ck, ck.Config with { DataDir = dataDir ?? ck.Config.DataDir }, path);
        return (ck, test, model);
    }
}
