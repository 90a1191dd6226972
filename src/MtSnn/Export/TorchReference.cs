using MtSnn.Models;
using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Export;

/// <summary>One batch through the TorchSharp model: logits and, when recorded, each neuron's spike planes.</summary>
/// <param name="Logits">Mean over T of the per-step logits, <c>[B, classes]</c> row-major.</param>
/// <param name="Planes">By neuron module path: <c>[B, T, K, N]</c> bytes (0/1), N the neuron's C H W positions; empty unless recorded.</param>
public sealed record ReferenceBatch(float[] Logits, IReadOnlyDictionary<string, byte[]> Planes);

/// <summary>
/// Runs a <see cref="SpikingModel"/> as the reference the engine is compared with: eval mode, no gradients,
/// direct encoding <c>x[t] = image</c> for t = 0..T-1, the network reset before the batch, logits
/// <c>(1/T) sum_t y[t]</c>. Optionally keeps every neuron's binary planes <c>S_k</c>.
/// </summary>
public static class TorchReference
{
    /// <summary>
    /// Runs <paramref name="count"/> images (<paramref name="images"/>: <c>count x C H W</c> floats, CHW each) for
    /// <paramref name="timeSteps"/> steps on the CPU.
    /// </summary>
    public static ReferenceBatch Run(SpikingModel model, ReadOnlySpan<float> images, int count, int timeSteps, bool recordSpikes = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        var s = model.Spec.Input;
        long per = (long)s.Channels * s.Height * s.Width;
        if (count < 1 || images.Length != count * per)
            throw new ArgumentException($"{images.Length} input values for {count} images of [{s.Channels}, {s.Height}, {s.Width}]");
        bool wasTraining = model.training;
        model.eval();
        var layers = model.SpikingLayers;
        foreach (var (_, node) in layers) node.RecordSpikes = recordSpikes;
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            SpikingFunctional.ResetNet(model);
            var x = tensor(images.ToArray(), [count, s.Channels, s.Height, s.Width]);
            var logits = model.forward(x.unsqueeze(0).expand(timeSteps, -1, -1, -1, -1).contiguous()).mean([0]);
            var planes = new Dictionary<string, byte[]>();
            if (recordSpikes)
                foreach (var (name, node) in layers)
                {
                    var spikes = node.LastSpikes!; // [T, K, B, ...]
                    var flat = spikes.reshape(spikes.shape[0], spikes.shape[1], spikes.shape[2], -1).permute(2, 0, 1, 3);
                    planes[name] = flat.ne(0).to_type(ScalarType.Byte).contiguous().data<byte>().ToArray();
                }
            return new ReferenceBatch(logits.contiguous().data<float>().ToArray(), planes);
        }
        finally
        {
            foreach (var (_, node) in layers) node.RecordSpikes = false;
            SpikingFunctional.ResetNet(model);
            model.train(wasTraining);
        }
    }
}
