using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Tests;

/// <summary>Small graphs covering every op: MLP; CNN with spike max pooling and a folded average pooling;
/// residual nets (spiking ResNet dense+spike add, dense+dense add, SEW spike+spike add); dense-side pooling.</summary>
internal static class Architectures
{
    public static readonly string[] MultiplicationFree = ["mlp", "cnn", "resnet"];
    public static readonly string[] All = ["mlp", "cnn", "resnet", "pooling"];

    public static MtSnnModel Build(string arch, NeuronSpec n, int timeSteps, int seed = 1)
    {
        switch (arch)
        {
            case "mlp":
                {
                    var b = new NetBuilder(new Shape3(1, 4, 4), timeSteps, seed);
                    b.Linear(12); b.Neuron(n); b.Linear(10); b.Neuron(n); b.Linear(5);
                    return b.Model();
                }
            case "cnn":
                {
                    var b = new NetBuilder(new Shape3(2, 8, 8), timeSteps, seed);
                    b.Conv(4, 3, pad: 1); b.Neuron(n); b.MaxPool(2, 2);
                    b.Conv(6, 3, pad: 1, lo: -0.3, hi: 0.5); b.Neuron(n); b.AvgPool(2, 2); b.Flatten(); b.Linear(5, lo: -0.4, hi: 0.6);
                    return b.Model();
                }
            case "resnet":
                {
                    var b = new NetBuilder(new Shape3(2, 5, 5), timeSteps, seed);
                    b.Conv(4, 3, pad: 1); int a = b.Neuron(n);
                    int c1 = b.Conv(4, 3, pad: 1, lo: -0.3, hi: 0.4); b.AddOf(c1, a); int bn = b.Neuron(n);            // spiking ResNet: current + spikes
                    int p = b.Conv(4, 1, from: bn, lo: -0.3, hi: 0.5); int q = b.Conv(4, 3, pad: 1, from: bn, lo: -0.3, hi: 0.4);
                    b.AddOf(p, q); int cn = b.Neuron(n);                                                                   // current + current
                    b.Conv(4, 3, pad: 1, stride: 2, from: cn, lo: -0.3, hi: 0.5); int d = b.Neuron(n);
                    b.Conv(4, 1, from: d, lo: -0.3, hi: 0.6); int e = b.Neuron(n); b.AddOf(e, d);                         // SEW: spikes + spikes
                    b.Flatten(); b.Linear(5, lo: -0.4, hi: 0.6);
                    return b.Model();
                }
            case "pooling":
                {
                    var b = new NetBuilder(new Shape3(1, 6, 6), timeSteps, seed);
                    b.Conv(3, 3); b.AvgPool(2, 2); b.Neuron(n); b.AvgPool(2, 1); b.Flatten(); b.Linear(4);
                    return b.Model();
                }
            default: throw new ArgumentException(arch);
        }
    }
}
