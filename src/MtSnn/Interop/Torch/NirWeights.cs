using MtSnn.Export;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Runtime.Graph;
using TorchSharp.Modules;

namespace MtSnn.Interop.Torch;

/// <summary>
/// A NIR graph's weights (imported by <see cref="MtSnn.Interop.Nir.NirImporter"/>: batch norm folded) as a state dict of
/// a zoo model, for <c>--init-from MODEL.nir</c>. The model's convolutions and linear layers are matched in forward
/// (registration) order with the graph's <c>Conv2d</c> and <c>Affine</c>/<c>Linear</c> nodes, its neuron layers with the
/// graph's neurons; counts and every shape must agree, or the file is refused naming the first mismatch. A convolution
/// gets the folded weight, and its batch norm becomes the identity plus the folded bias (<c>gamma = 1</c>,
/// <c>beta = b</c>, <c>mean = 0</c>, <c>var = 1 - eps</c>: in eval mode <c>BN(Wx) = Wx + b</c> to float rounding; training
/// re-estimates the statistics). PLIF's <c>plif_a = ln(d / (1 - d))</c> from the graph's decay <c>d</c>, a trainable
/// <c>v_threshold</c> from its V_th. The neuron's kind (mode, levels) comes from the command line, not the file.
/// </summary>
internal static class NirWeights
{
    public static TorchStateDict ToStateDict(ExportedModel nir, SpikingModel model, string path)
    {
        var tensors = nir.Tensors.ToDictionary(t => t.Name);
        var graphWeights = nir.Graph.Layers.Where(l => l is Conv2dSpec or LinearSpec).ToList();
        var graphNeurons = nir.Graph.Layers.OfType<NeuronLayerSpec>().ToList();
        var modules = model.named_modules().ToList();
        var layers = modules.Where(m => m.module is Conv2d or Linear).ToList();
        var neurons = modules.Where(m => m.module is MultiThresholdNode).ToList();
        string name = model.GetName();
        if (layers.Count != graphWeights.Count)
            throw new InvalidDataException($"{path}: the NIR graph has {graphWeights.Count} convolution and linear layers, {name} has {layers.Count}");
        if (neurons.Count != graphNeurons.Count)
            throw new InvalidDataException($"{path}: the NIR graph has {graphNeurons.Count} neuron layers, {name} has {neurons.Count}");
        var state = model.state_dict();
        var result = new List<KeyValuePair<string, TorchTensor>>();
        void Put(string key, long[] shape, float[] values) => result.Add(new(key, TorchTensor.FromFloats(shape, values)));
        for (int i = 0; i < layers.Count; i++)
        {
            var (modulePath, module) = layers[i];
            var spec = graphWeights[i];
            string weightName = spec is Conv2dSpec c ? c.Weight : ((LinearSpec)spec).Weight;
            string? biasName = spec is Conv2dSpec cb ? cb.Bias : ((LinearSpec)spec).Bias;
            var w = tensors[weightName];
            long[] shape = [.. w.Shape.Select(d => (long)d)];
            long[] expected = state[$"{modulePath}.weight"].shape;
            if (!shape.SequenceEqual(expected))
                throw new InvalidDataException($"{path}: NIR layer {i + 1} of {layers.Count} ({spec.Op}) has weight {TorchTensor.ShapeString(shape)}, {name}'s {modulePath}.weight has {TorchTensor.ShapeString(expected)}");
            Put($"{modulePath}.weight", shape, w.Data.ToArray());
            long outputs = shape[0];
            float[] bias = biasName is null ? new float[outputs] : tensors[biasName].Data.ToArray();
            if (module is Conv2d)
            {
                string bn = modulePath[..modulePath.LastIndexOf('.')] + ".bn";
                if (!state.ContainsKey($"{bn}.running_var"))
                    throw new InvalidDataException($"{path}: {name}'s convolution {modulePath} has no batch norm at {bn}");
                double eps = ((BatchNorm)modules.First(m => m.name == bn).module).eps;
                Put($"{bn}.weight", [outputs], Enumerable.Repeat(1f, (int)outputs).ToArray());
                Put($"{bn}.bias", [outputs], bias);
                Put($"{bn}.running_mean", [outputs], new float[outputs]);
                Put($"{bn}.running_var", [outputs], Enumerable.Repeat((float)(1 - eps), (int)outputs).ToArray());
            }
            else if (state.ContainsKey($"{modulePath}.bias")) Put($"{modulePath}.bias", [outputs], bias);
        }
        for (int i = 0; i < neurons.Count; i++)
        {
            var (neuronPath, _) = neurons[i];
            var n = graphNeurons[i].Neuron;
            if (state.ContainsKey($"{neuronPath}.plif_a"))
            {
                if (n.Dynamics == Dynamics.IF)
                    throw new InvalidDataException($"{path}: NIR neuron layer {i + 1} is IF, {name}'s {neuronPath} is PLIF (no decay to start from)");
                Put($"{neuronPath}.plif_a", [], [(float)Math.Log(n.Decay / (1 - n.Decay))]);
            }
            if (state.ContainsKey($"{neuronPath}.v_threshold")) Put($"{neuronPath}.v_threshold", [], [(float)n.VThreshold]);
        }
        return TorchStateDict.FromTensors(path, result);
    }
}
