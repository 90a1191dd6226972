// A multi-threshold neuron in a few lines: LIF charge, K = 4 cascade levels (pow2 thresholds 1, 1/2, 1/4, 1/8),
// driven by a ramp current for T = 8 steps. Prints the graded output O = sum_k lambda_k S_k and the spike of every level.
using MtSnn.Neurons;
using static TorchSharp.torch;

var node = new MultiThresholdNode(new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Cascade, Levels = 4 })
{
    RecordSpikes = true,
};
using var scope = NewDisposeScope();
var current = linspace(0.2, 1.6, 8).reshape(8, 1, 1);           // [T, B, N] = [8, 1, 1]
var output = node.forward(current);                              // graded spikes, [T, B, N]
var spikes = node.LastSpikes!;                                   // [T, K, B, N], 0/1
Console.WriteLine("  t  input  output  S_1 S_2 S_3 S_4");
for (int t = 0; t < 8; t++)
    Console.WriteLine($"{t,3}  {current[t].item<float>(),5:F2}  {output[t].item<float>(),6:F3}   " +
        string.Join("   ", Enumerable.Range(0, 4).Select(k => spikes[t, k].item<float>().ToString("0"))));
Console.WriteLine($"firing rate per level: {string.Join(", ", node.LastLevelRates!.Select(r => r.ToString("F3")))}");
SpikingFunctional.ResetNet(node);                                // forget the membrane before the next sequence
