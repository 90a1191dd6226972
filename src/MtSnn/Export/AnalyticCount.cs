using MtSnn.Models;
using MtSnn.Runtime;

namespace MtSnn.Export;

/// <summary>Measures the analytic SOP count of a model on images: spikes recorded on the TorchSharp model, counted by a <see cref="SopEstimator"/> over the exported graph.</summary>
public static class AnalyticCount
{
    /// <summary>
    /// Runs <paramref name="model"/> (exported as <paramref name="exported"/>, loaded as <paramref name="deployed"/>)
    /// on every image in batches of <paramref name="batch"/>, recording each neuron's planes, and counts. When
    /// <paramref name="referenceLogits"/> is given (images x classes) it receives the TorchSharp logits.
    /// </summary>
    public static SopEstimate Measure(SpikingModel model, ExportedModel exported, MtSnnModel deployed, DeploymentImages images, int batch = 64, float[]? referenceLogits = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(exported);
        ArgumentNullException.ThrowIfNull(images);
        var estimator = new SopEstimator(deployed);
        int steps = deployed.Graph.TimeSteps;
        foreach (int layer in estimator.NeuronLayers)
            if (!exported.NeuronPaths.ContainsKey(layer)) throw new ArgumentException($"graph layer {layer} is a neuron the export did not name; export the model in this process");
        for (int start = 0; start < images.Count; start += batch)
        {
            int count = Math.Min(batch, images.Count - start);
            var r = TorchReference.Run(model, images.Images(start, count), count, steps, recordSpikes: true);
            if (referenceLogits is not null) r.Logits.CopyTo(referenceLogits.AsSpan(start * deployed.Graph.NumClasses));
            for (int b = 0; b < count; b++)
                estimator.AddImage(layer =>
                {
                    var planes = r.Planes[exported.NeuronPaths[layer]];
                    int per = planes.Length / count;
                    return planes.AsMemory(b * per, per);
                });
        }
        return estimator.Result;
    }
}
