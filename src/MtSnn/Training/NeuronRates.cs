using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Training.Encoding;
using static TorchSharp.torch;

namespace MtSnn.Training;

/// <summary>
/// The firing rate of every neuron of level <paramref name="Level"/> (1-based) of spiking layer <paramref name="Layer"/>
/// on a sample: <c>rate[n] = mean over t and samples of S_k[t, n]</c>.
/// </summary>
public sealed record NeuronRates(string Layer, int Level, float[] Rates)
{
    /// <summary>The per-neuron rates of every level of every spiking layer of <paramref name="model"/> on the first test batch of <paramref name="loader"/> (eval mode, no gradients).</summary>
    public static IReadOnlyList<NeuronRates> OnFirstBatch(SpikingModel model, DataLoader loader, InputEncoder encoder, Device device)
    {
        bool wasTraining = model.training;
        model.eval();
        var layers = model.SpikingLayers;
        foreach (var (_, node) in layers) node.RecordSpikes = true;
        var result = new List<NeuronRates>();
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in loader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    SpikingFunctional.ResetNet(model);
                    model.forward(encoder.Encode(batch.Images.to(device), -1));
                    foreach (var (name, node) in layers)
                    {
                        var s = node.LastSpikes!;   // [T, K, B, ...]
                        var perNeuron = s.mean([0, 2]).flatten(1).to_type(ScalarType.Float32).cpu();   // [K, neurons]
                        for (int k = 0; k < perNeuron.shape[0]; k++) result.Add(new NeuronRates(name, k + 1, perNeuron[k].data<float>().ToArray()));
                    }
                }
                break;
            }
        }
        finally
        {
            foreach (var (_, node) in layers) node.RecordSpikes = false;
            SpikingFunctional.ResetNet(model);
            model.train(wasTraining);
        }
        return result;
    }
}
