using MtSnn.Data;
using MtSnn.Export;
using MtSnn.Models;
using MtSnn.Training;

namespace MtSnn.Cli.Deploy;

/// <summary>
/// A checkpoint's TorchSharp model in eval mode on the CPU, with the test split of its data set, for export and as
/// the reference the engine is compared with. Refuses (one line) what the engine cannot run: Poisson encoding, event data.
/// </summary>
public sealed class ReferenceModel : IDisposable
{
    private ReferenceModel(Checkpoint checkpoint, IImageDataset test, SpikingModel model)
    {
        Checkpoint = checkpoint;
        Test = test;
        Model = model;
    }

    /// <summary>The checkpoint.</summary>
    public Checkpoint Checkpoint { get; }
    /// <summary>The test split of the checkpoint's data set.</summary>
    public IImageDataset Test { get; }
    /// <summary>The model, weights loaded, eval mode.</summary>
    public SpikingModel Model { get; }

    /// <summary>Loads <paramref name="path"/>; <paramref name="dataDir"/> replaces the checkpoint's data folder when given.</summary>
    public static ReferenceModel Load(string path, string? dataDir = null)
    {
        var ck = CheckpointFile.Load(path);
        CheckpointExport.EnsureDirectEncoding(ck.Config, path);
        var (test, model) = CheckpointModel.Build(ck, ck.Config with { DataDir = dataDir ?? ck.Config.DataDir }, path);
        model.eval();
        return new ReferenceModel(ck, test, model);
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
