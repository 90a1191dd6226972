using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Training.Encoding;
using MtSnn.Training.Losses;
using static TorchSharp.torch;

namespace MtSnn.Training;

/// <summary>Evaluates a spiking model on a data loader: loss, accuracy and per-layer per-level firing rates.</summary>
public static class Evaluator
{
    /// <summary>
    /// Runs <paramref name="model"/> in eval mode without gradients over the epoch-0 batches of <paramref name="loader"/>
    /// (at most <paramref name="maxBatches"/> when &gt; 0), resetting the network before every batch.
    /// </summary>
    public static EvalResult Evaluate(SpikingModel model, DataLoader loader, InputEncoder encoder, SpikingLoss loss, Device device, int maxBatches = 0)
    {
        bool wasTraining = model.training;
        model.eval();
        var layers = model.SpikingLayers;
        var rateSums = layers.Select(l => new double[l.Node.Options.Levels]).ToArray();
        foreach (var (_, node) in layers) node.RecordSpikes = true;
        double lossSum = 0;
        long correct = 0;
        int images = 0, b = 0;
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in loader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    SpikingFunctional.ResetNet(model);
                    var x = encoder.Encode(batch.Images.to(device), -1 - b);
                    var y = batch.Labels.to(device);
                    var logits = model.forward(x);
                    lossSum += loss.Compute(logits, y).item<float>() * batch.Count;
                    correct += logits.mean([0]).argmax(1).eq(y).sum().item<long>();
                    for (int l = 0; l < layers.Count; l++)
                    {
                        var r = layers[l].Node.LastLevelRates!;
                        for (int k = 0; k < r.Length; k++) rateSums[l][k] += r[k] * batch.Count;
                    }
                    images += batch.Count;
                }
                if (++b == maxBatches) break;
            }
        }
        finally
        {
            foreach (var (_, node) in layers) node.RecordSpikes = false;
            SpikingFunctional.ResetNet(model);
            model.train(wasTraining);
        }
        var rates = layers.Select((l, i) => new LayerRates(l.Name, [.. rateSums[i].Select(s => s / Math.Max(1, images))])).ToList();
        return new EvalResult(lossSum / Math.Max(1, images), (double)correct / Math.Max(1, images), images, rates);
    }
}
