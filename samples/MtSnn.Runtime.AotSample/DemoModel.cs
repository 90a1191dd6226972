using MtSnn.Neurons;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;

/// <summary>A small random conv MT-SNN (cascade, pow2, K = 4, LIF tau = 2, T = 4) for trying the runtime.</summary>
internal static class DemoModel
{
    public static void Write(string path)
    {
        var rng = new Random(1);
        var tensors = new List<TensorF32>();
        string T(string name, params int[] shape)
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            double fan = n / shape[0];
            tensors.Add(new TensorF32(name, [.. shape], [.. Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 0.8) * 1.5 / Math.Sqrt(fan)))]));
            return name;
        }
        var neuron = NeuronSpec.Preset("pow2", FiringMode.Cascade, 4) with { Dynamics = Dynamics.LIF, Decay = 0.5, VThreshold = 0.5,
            Thresholds = [0.5, 0.25, 0.125, 0.0625] };
        var graph = new ModelGraph
        {
            InputShape = new Shape3(1, 28, 28), TimeSteps = 4, NumClasses = 10,
            Layers =
            [
                new Conv2dSpec(1, 16, 3, 1, 1, T("c1.w", 16, 1, 3, 3), T("c1.b", 16)) { Input = -1 },
                new NeuronLayerSpec(neuron) { Input = 0 },
                new MaxPool2dSpec(2, 2, 0) { Input = 1 },
                new Conv2dSpec(16, 32, 3, 1, 1, T("c2.w", 32, 16, 3, 3), T("c2.b", 32)) { Input = 2 },
                new NeuronLayerSpec(neuron) { Input = 3 },
                new AvgPool2dSpec(2, 2) { Input = 4 },
                new FlattenSpec { Input = 5 },
                new LinearSpec(32 * 7 * 7, 10, T("fc.w", 10, 32 * 7 * 7), T("fc.b", 10)) { Input = 6 },
                new OutputSpec { Input = 7 },
            ],
        };
        MtSnnModelWriter.Write(path, graph, tensors);
        Console.WriteLine($"wrote {path}");
    }
}
