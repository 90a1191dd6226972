using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Tests.Models;

/// <summary>Specs, parameter counting and forward hooks shared by the model tests.</summary>
internal static class ModelTestSupport
{
    public static readonly NeuronOptions Lif = new() { Dynamics = Dynamics.LIF };
    public static readonly NeuronOptions Plif = new() { Dynamics = Dynamics.PLIF };

    public static ModelSpec Spec(int c, int h, int w, int classes, NeuronOptions? neuron = null) =>
        new(new ImageShape(c, h, w), classes, neuron ?? Lif);

    /// <summary>A spec each model can take cheaply (ImageNet models on 32x32: the adaptive pooling takes any size).</summary>
    public static ModelSpec SmallSpec(string model, NeuronOptions? neuron = null) => model switch
    {
        "digits-cnn" => Spec(1, 8, 8, 10, neuron),
        "plif-net" or "plif-net-vote" => Spec(1, 28, 28, 10, neuron),
        "vgg11" or "vgg16" or "resnet20" => Spec(3, 32, 32, 10, neuron),
        "resnet19" => Spec(3, 16, 16, 10, neuron),
        _ => Spec(3, 32, 32, 1000, neuron),
    };

    public static long Parameters(nn.Module model) => model.parameters().Sum(p => p.numel());

    /// <summary>Records a detached copy of each named module's input and output on every call.</summary>
    public sealed class Recorder : IDisposable
    {
        private readonly List<Action> _removers = [];
        private readonly List<Tensor> _owned = [];
        public List<string> Calls { get; } = [];
        public Dictionary<string, (Tensor Input, Tensor Output)> Last { get; } = [];

        public Recorder(nn.Module model, Func<string, bool> which)
        {
            foreach (var (name, module) in model.named_modules())
            {
                if (!which(name) || module is not nn.Module<Tensor, Tensor> typed) continue;
                string n = name;
                var remover = typed.register_forward_hook((_, input, output) =>
                {
                    Calls.Add(n);
                    var i = input.detach().clone().DetachFromDisposeScope();
                    var o = output.detach().clone().DetachFromDisposeScope();
                    _owned.Add(i);
                    _owned.Add(o);
                    Last[n] = (i, o);
                    return output;
                });
                _removers.Add(remover.remove);
            }
        }

        public void Dispose()
        {
            foreach (var remove in _removers) remove();
            foreach (var t in _owned) t.Dispose();
        }
    }
}
