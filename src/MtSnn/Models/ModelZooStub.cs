// TEMPORARY stand-in for the model zoo (written by the training helper so that training can run before the
// model zoo branch is merged). Same public API as the real zoo; delete this file at merge time.
using MtSnn.Data;
using MtSnn.Neurons;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MtSnn.Models;

/// <summary>What a model is built for: input image shape, number of classes, neuron options (with per-stage overrides).</summary>
public sealed record ModelSpec(ImageShape Input, int NumClasses, NeuronOptions Neuron)
{
    /// <summary>Neuron options per stage name that replace <see cref="Neuron"/> there.</summary>
    public IReadOnlyDictionary<string, NeuronOptions> StageOverrides { get; init; } = new Dictionary<string, NeuronOptions>();

    /// <summary>The neuron options of stage <paramref name="stage"/>.</summary>
    public NeuronOptions NeuronFor(string stage) => StageOverrides.TryGetValue(stage, out var o) ? o : Neuron;
}

/// <summary>A spiking classifier: <c>x [T, B, C, H, W]</c> to per-step logits <c>[T, B, classes]</c>.</summary>
public abstract class SpikingModel : Module<Tensor, Tensor>
{
    private readonly List<(string Name, MultiThresholdNode Node)> _layers = [];

    protected SpikingModel(string name, ModelSpec spec) : base(name) => Spec = spec;

    /// <summary>The spec the model was built for.</summary>
    public ModelSpec Spec { get; }

    /// <summary>The spiking layers, in forward order.</summary>
    public IReadOnlyList<(string Name, MultiThresholdNode Node)> SpikingLayers => _layers;

    protected MultiThresholdNode Node(string stage)
    {
        var node = new MultiThresholdNode(Spec.NeuronFor(stage) with { StepMode = StepMode.Multi }, stage);
        _layers.Add((stage, node));
        return node;
    }

    /// <summary>Runs <paramref name="layer"/> on <c>[T, B, ...]</c> by folding T into the batch.</summary>
    protected static Tensor Fold(Module<Tensor, Tensor> layer, Tensor x)
    {
        long t = x.shape[0], b = x.shape[1];
        var y = layer.forward(x.flatten(0, 1));
        return y.reshape([t, b, .. y.shape[1..]]);
    }
}

/// <summary>Creates models by name.</summary>
public static class ModelZoo
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["digits-cnn", "plif-net"];

    /// <summary>Creates model <paramref name="name"/> for <paramref name="spec"/>.</summary>
    public static SpikingModel Create(string name, ModelSpec spec) => name.ToLowerInvariant() switch
    {
        "digits-cnn" => new DigitsCnnStub(spec),
        "plif-net" => new PlifNetStub(spec),
        _ => throw new ArgumentException($"unknown model '{name}'; allowed: {string.Join(", ", Names)}"),
    };

    private sealed class DigitsCnnStub : SpikingModel
    {
        private readonly Module<Tensor, Tensor> conv, head1, head2;
        private readonly MultiThresholdNode sn1, sn2;

        public DigitsCnnStub(ModelSpec spec) : base("digits_cnn", spec)
        {
            int c = spec.Input.Channels, h = spec.Input.Height / 2, w = spec.Input.Width / 2;
            conv = Sequential(Conv2d(c, 16, 3, padding: 1, bias: false), BatchNorm2d(16));
            sn1 = Node("sn1");
            head1 = Sequential(AvgPool2d(2), Flatten(), Linear(16 * h * w, 64));
            sn2 = Node("sn2");
            head2 = Linear(64, spec.NumClasses);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) =>
            Fold(head2, sn2.forward(Fold(head1, sn1.forward(Fold(conv, x)))));
    }

    private sealed class PlifNetStub : SpikingModel
    {
        private readonly Module<Tensor, Tensor> conv1, conv2, pool2, fc1, fc2;
        private readonly MultiThresholdNode sn1, sn2, sn3;

        public PlifNetStub(ModelSpec spec) : base("plif_net", spec)
        {
            int c = spec.Input.Channels, h = spec.Input.Height / 4, w = spec.Input.Width / 4;
            conv1 = Sequential(Conv2d(c, 128, 3, padding: 1, bias: false), BatchNorm2d(128));
            sn1 = Node("sn1");
            conv2 = Sequential(MaxPool2d(2), Conv2d(128, 128, 3, padding: 1, bias: false), BatchNorm2d(128));
            sn2 = Node("sn2");
            pool2 = Sequential(MaxPool2d(2), Flatten());
            fc1 = Linear(128 * h * w, 2048);
            sn3 = Node("sn3");
            fc2 = Linear(2048, spec.NumClasses);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var a = sn1.forward(Fold(conv1, x));
            var b = sn2.forward(Fold(conv2, a));
            var c = sn3.forward(Fold(fc1, Fold(pool2, b)));
            return Fold(fc2, c);
        }
    }
}
