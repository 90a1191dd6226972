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
        // sum over batches of rate[l][k] x B, float64 on the device: the same IEEE double products and sums, in the same
        // order, as accumulating on the host, but without waiting for the device at every batch
        var rateSums = new Tensor?[layers.Count];
        foreach (var (_, node) in layers) node.RecordSpikes = true;
        var pending = new PendingStepMetrics();
        double lossSum = 0;
        long correct = 0;
        int images = 0, b = 0;
        double[][] rates;
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in loader.Epoch(0))
            {
                using (var scope = NewDisposeScope())
                using (batch)
                {
                    SpikingFunctional.ResetNet(model);
                    var x = encoder.Encode(batch.Images.to(device, non_blocking: true), -1 - b);
                    var y = batch.Labels.to(device, non_blocking: true);
                    var logits = model.forward(x);
                    pending.Add(loss.Compute(logits, y), logits.mean([0]).argmax(1).eq(y).sum(), batch.Count);
                    for (int l = 0; l < layers.Count; l++)
                    {
                        var weighted = layers[l].Node.LastLevelRateTensor! * batch.Count;
                        if (rateSums[l] is { } sum) sum.add_(weighted);
                        else rateSums[l] = weighted.clone().DetachFromDisposeScope();
                    }
                }
                if (++b == maxBatches) break;
            }
            foreach (var s in pending.ReadBack())
            {
                lossSum += s.Loss * s.Count;   // float x int in single precision, then summed in double (as the per-batch read did)
                correct += s.Correct;
                images += s.Count;
            }
            rates = [.. layers.Select((l, i) => rateSums[i] is { } sum ? ToHost(sum) : new double[l.Node.Options.Levels])];
        }
        finally
        {
            pending.Dispose();
            foreach (var t in rateSums) t?.Dispose();
            foreach (var (_, node) in layers) node.RecordSpikes = false;
            SpikingFunctional.ResetNet(model);
            model.train(wasTraining);
        }
        var levelRates = layers.Select((l, i) => new LayerRates(l.Name, [.. rates[i].Select(s => s / Math.Max(1, images))])).ToList();
        return new EvalResult(lossSum / Math.Max(1, images), (double)correct / Math.Max(1, images), images, levelRates);
    }

    private static double[] ToHost(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.cpu().data<double>().ToArray();
    }
}
