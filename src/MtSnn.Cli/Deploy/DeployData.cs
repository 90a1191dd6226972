using MtSnn.Data;
using MtSnn.Data.Neuromorphic;
using MtSnn.Export;
using MtSnn.Runtime;

namespace MtSnn.Cli.Deploy;

/// <summary>Opens the test split a deployed model runs on and checks that its images and classes fit the model.</summary>
public static class DeployData
{
    /// <summary>The first <paramref name="limit"/> test images (0 = all) of <paramref name="dataset"/>, refused with one line when they do not fit <paramref name="model"/>.</summary>
    public static DeploymentImages Open(string dataset, string? dataDir, MtSnnModel model, int limit)
    {
        if (EventFrameDataset.Names.Contains(dataset.ToLowerInvariant()))
            throw new NotSupportedException($"--dataset {dataset} is event data; the deployment engine only runs direct encoding of static images");
        if (limit < 0) throw new ArgumentException($"--limit must be >= 0 (got {limit}; 0 = all)");
        var test = DataSets.Open(dataset, dataDir, DatasetSplit.Test);
        var g = model.Graph;
        if (test.Shape.Channels != g.InputShape.C || test.Shape.Height != g.InputShape.H || test.Shape.Width != g.InputShape.W || test.NumClasses != g.NumClasses)
            throw new ArgumentException($"data set {test.Name} has images [{test.Shape.Channels}, {test.Shape.Height}, {test.Shape.Width}] and {test.NumClasses} classes; the model takes {g.InputShape} and has {g.NumClasses} classes");
        return DeploymentImages.Load(test, limit);
    }
}
