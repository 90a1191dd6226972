using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Training.Encoding;
using static TorchSharp.torch;

namespace MtSnn.Monitoring;

/// <summary>Runs a model on the first test samples with a <see cref="NetworkMonitor"/> attached (what <c>mtsnn eval --raster</c> plots).</summary>
public static class ModelRecording
{
    /// <summary>
    /// Records every spiking layer of <paramref name="model"/> on the first <see cref="MonitorOptions.MaxSamples"/>
    /// samples of <paramref name="loader"/> (in eval mode, no gradients; batches in loader order, each from a reset
    /// state) and returns the detached monitor with the records and the firing rates of the batches run.
    /// The model's mode and state are restored.
    /// </summary>
    public static NetworkMonitor FirstSamples(SpikingModel model, DataLoader loader, InputEncoder encoder, Device device, MonitorOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(encoder);
        bool wasTraining = model.training;
        model.eval();
        var monitor = NetworkMonitor.Attach(model, options);
        try
        {
            using var noGrad = no_grad();
            int seen = 0;
            foreach (var batch in loader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    SpikingFunctional.ResetNet(model);
                    model.forward(encoder.Encode(batch.Images.to(device), -1));
                    seen += (int)batch.Images.shape[0];
                }
                if (seen >= options.MaxSamples) break;
            }
        }
        finally
        {
            SpikingFunctional.ResetNet(model);   // closes the last sequence
            monitor.Detach();
            model.train(wasTraining);
        }
        return monitor;
    }
}
