using MtSnn.Export;
using MtSnn.Models;
using MtSnn.Runtime.Graph;

namespace MtSnn.Cli.Deploy;

/// <summary>
/// Whether a <c>--reference</c> checkpoint has the neurons of the model it is compared with: the same number of
/// neuron layers, and per layer the same dynamics, firing rule, reset, input decay, level count, and thresholds,
/// weights, V_th and decay equal to 1e-5 relative (the values export bakes in, float32 in the file). A checkpoint
/// of another neuron configuration computes another function: comparing with it would report agreement that
/// means nothing, so it is refused before anything runs.
/// </summary>
public static class ReferenceNeuronCheck
{
    /// <summary>Throws <see cref="ArgumentException"/> (one line naming both files and the first difference) when the neurons differ.</summary>
    public static void Require(SpikingModel reference, string checkpointPath, ModelGraph graph, string modelPath)
    {
        var mine = reference.SpikingLayers.Select(l => (l.Name, Spec: ModelExporter.ToSpec(l.Node))).ToList();
        var theirs = graph.Layers.OfType<NeuronLayerSpec>().Select(l => l.Neuron).ToList();
        string both = $"--reference '{checkpointPath}' does not have the neurons of {modelPath}";
        if (mine.Count != theirs.Count)
            throw new ArgumentException($"{both}: {mine.Count} neuron layers, the model has {theirs.Count}");
        for (int i = 0; i < mine.Count; i++)
        {
            var (name, a) = mine[i];
            var b = theirs[i];
            string? diff = a.Dynamics != b.Dynamics ? $"dynamics {a.Dynamics} vs {b.Dynamics}"
                : a.Mode != b.Mode ? $"firing {a.Mode} vs {b.Mode}"
                : a.Levels != b.Levels ? $"K = {a.Levels} vs {b.Levels} levels"
                : a.Reset != b.Reset ? $"reset {a.Reset} vs {b.Reset}"
                : a.DecayInput != b.DecayInput ? $"decay-input {a.DecayInput} vs {b.DecayInput}"
                : !Close(a.Thresholds, b.Thresholds) ? $"thresholds {string.Join(",", a.Thresholds)} vs {string.Join(",", b.Thresholds)}"
                : !Close(a.Weights, b.Weights) ? $"level weights {string.Join(",", a.Weights)} vs {string.Join(",", b.Weights)}"
                : !Close([a.VThreshold, a.Decay, a.VReset], [b.VThreshold, b.Decay, b.VReset]) ? $"V_th/decay/V_reset {a.VThreshold}/{a.Decay}/{a.VReset} vs {b.VThreshold}/{b.Decay}/{b.VReset}"
                : null;
            if (diff is not null) throw new ArgumentException($"{both}: neuron layer {i + 1} ({name}) has {diff}");
        }
    }

    private static bool Close(IReadOnlyList<double> a, IReadOnlyList<double> b) =>
        a.Count == b.Count && a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= 1e-5 * Math.Max(1.0, Math.Max(Math.Abs(p.First), Math.Abs(p.Second))));
}
