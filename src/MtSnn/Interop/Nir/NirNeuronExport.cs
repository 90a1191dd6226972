using System.Collections.Immutable;
using MtSnn.Neurons;
using MtSnn.Runtime.Graph;

namespace MtSnn.Interop.Nir;

/// <summary>
/// One engine neuron layer as NIR primitives (docs/nir.md has the figure). Single threshold with hard reset is the native
/// <c>IF</c> / <c>LIF</c> node. Every soft-reset neuron (single, parallel, cascade; IF, LIF, PLIF) is the exact subgraph
/// <code>
/// x -&gt; P.v (I or LI: holds H) -&gt; P.fire_k (Threshold theta_k) -&gt; P.level_k (Scale lambda_k) -&gt; P (Scale 1: O = sum_k lambda_k S_k) -&gt; next
///      P -&gt; P.reset (Scale -V_th) [-&gt; P.reset_leak (Scale (1-d)/d, or 1-d without decay_input)] -&gt; P.v   (recurrent: read at t+1)
/// cascade: P.fire_k -&gt; P.residual_k (Scale -V_th lambda_k) -&gt; P.fire_j for every j &gt; k   (R_j = H - sum_{k&lt;j} V_th lambda_k S_k)
/// </code>
/// The integrator holds <c>H[t] = V[t-1] + charge</c>; the reset edge adds <c>-V_th O[t-1]</c> (for LI scaled so that the
/// leak of <c>H</c> equals the leak of <c>V = H - V_th O</c>). Refused: hard reset with K &gt; 1 (resetting to V_reset
/// multiplies the state by a spike, which no linear NIR edge does) and a non-zero initial membrane (NIR states start at 0).
/// The exact engine thresholds and decay ride along in the head node's metadata, so an import is bit-exact.
/// </summary>
public static class NirNeuronExport
{
    /// <summary>Head-node metadata key: the engine's exact thresholds theta_k (float64).</summary>
    public const string ThresholdsKey = "mtsnn_thresholds";
    /// <summary>Head-node metadata key: the engine's exact per-step decay d = 1/tau (float64).</summary>
    public const string DecayKey = "mtsnn_decay";
    /// <summary>Head-node metadata key: the dynamics the neuron was trained with (if, lif, plif).</summary>
    public const string DynamicsKey = "mtsnn_dynamics";

    /// <summary>Adds the neuron's nodes and internal edges; returns the name of the node that outputs O.</summary>
    internal static string Add(NirExporter.Builder b, string p, NeuronSpec n, ImmutableArray<long> shape, string at)
    {
        if (n.VInit != 0)
            throw new NotSupportedException($"{at}: initial membrane v_init = {n.VInit} has no NIR form (NIR states start at 0); use v_init 0");
        bool leaky = n.Dynamics != Dynamics.IF;
        bool cascade = n.Mode switch
        {
            FiringMode.Single or FiringMode.Parallel => false,
            FiringMode.Cascade => true,
            _ => throw new NotSupportedException($"{at}: firing mode {n.Mode}"),
        };
        double d = n.Decay;
        var meta = new Dictionary<string, NirValue>
        {
            [ThresholdsKey] = new NirFloats([n.Levels], [.. n.Thresholds], true),
            [DynamicsKey] = new NirText(n.Dynamics switch
            {
                Dynamics.IF => "if", Dynamics.LIF => "lif", Dynamics.PLIF => "plif",
                _ => throw new NotSupportedException($"{at}: dynamics {n.Dynamics}"),
            }),
        };
        if (leaky) meta[DecayKey] = new NirFloats([], [d], true);
        var charge = new Dictionary<string, NirValue>
        {
            ["r"] = NirFloats.Fill64(shape, leaky ? (n.DecayInput ? 1.0 : 1.0 / d) : 1.0 / NirConventions.Dt),
        };
        if (leaky)
        {
            charge["tau"] = NirFloats.Fill64(shape, NirConventions.Tau(d));
            charge["v_leak"] = NirFloats.Fill64(shape, n.VReset);
        }
        switch (n.Reset)
        {
            case ResetMode.Hard:
                if (n.Levels != 1 || n.Weights[0] != 1.0)
                    throw new NotSupportedException($"{at}: reset 'hard' with K = {n.Levels} levels has no exact NIR construction (a reset to V_reset multiplies the membrane by the spike; only a single threshold with weight 1 maps, to NIR IF/LIF); export a model trained with --reset soft");
                charge["v_threshold"] = NirFloats.Fill64(shape, NirConventions.ToNirThreshold(n.Thresholds[0]));
                charge["v_reset"] = NirFloats.Fill64(shape, n.VReset);
                return b.Node(p, leaky ? "LIF" : "IF", charge, shape, shape, meta);
            case ResetMode.Soft:
                break;
            default:
                throw new NotSupportedException($"{at}: reset {n.Reset}");
        }
        string v = b.Node($"{p}.v", leaky ? "LI" : "I", charge, shape, shape, meta);
        b.SetEntry(p, v);
        b.Node(p, "Scale", new() { ["scale"] = NirFloats.Fill64(shape, 1.0) }, shape, shape);
        for (int k = 0; k < n.Levels; k++)
        {
            string fire = b.Node($"{p}.fire{k + 1}", "Threshold", new() { ["threshold"] = NirFloats.Fill64(shape, NirConventions.ToNirThreshold(n.Thresholds[k])) }, shape, shape);
            string level = b.Node($"{p}.level{k + 1}", "Scale", new() { ["scale"] = NirFloats.Fill64(shape, n.Weights[k]) }, shape, shape);
            b.Edge(v, fire);
            b.Edge(fire, level);
            b.Edge(level, p);
            if (cascade && k + 1 < n.Levels)
            {
                string residual = b.Node($"{p}.residual{k + 1}", "Scale", new() { ["scale"] = NirFloats.Fill64(shape, -(n.VThreshold * n.Weights[k])) }, shape, shape);
                b.Edge(fire, residual);
                for (int j = k + 1; j < n.Levels; j++) b.Edge(residual, $"{p}.fire{j + 1}");
            }
        }
        string reset = b.Node($"{p}.reset", "Scale", new() { ["scale"] = NirFloats.Fill64(shape, -n.VThreshold) }, shape, shape);
        b.Edge(p, reset);
        if (leaky)
        {
            string leak = b.Node($"{p}.reset_leak", "Scale", new() { ["scale"] = NirFloats.Fill64(shape, n.DecayInput ? (1 - d) / d : 1 - d) }, shape, shape);
            b.Edge(reset, leak);
            b.Edge(leak, v);
        }
        else b.Edge(reset, v);
        return p;
    }
}
