using System.Collections.Immutable;
using MtSnn.Neurons;
using MtSnn.Runtime.Graph;
using static MtSnn.Interop.Nir.NirImporter;
using static MtSnn.Interop.Nir.NirLayerImport;

namespace MtSnn.Interop.Nir;

/// <summary>
/// Reads neurons back: native <c>IF</c>/<c>LIF</c> (single threshold, hard reset) and the soft-reset subgraph of
/// <see cref="NirNeuronExport"/>, recognised by its structure (not its names): an <c>I</c>/<c>LI</c> head whose outputs are
/// <c>Threshold</c> nodes, one <c>Scale</c> per level into a common <c>Scale(1)</c> sum, cascade residual scales between
/// thresholds, and the reset chain from the sum back to the head. The discretisation is <see cref="NirConventions"/>;
/// the head's metadata (exact engine thresholds and decay) is used where it agrees with the NIR values.
/// </summary>
internal static class NirNeuronImport
{
    /// <summary>A recognised subgraph: the node feeding it, the node giving O, every member, the neuron.</summary>
    public sealed record Subgraph(string Source, string Output, ImmutableArray<string> Members, NeuronSpec Neuron);

    public static NeuronSpec Native(NirNode node, string at)
    {
        bool leaky = node.Type == "LIF";
        double threshold = Threshold(node, Uniform(node, "v_threshold", at), 0);
        double vReset = node.Fields.ContainsKey("v_reset") ? Uniform(node, "v_reset", at) : 0.0;
        var (decay, decayInput) = leaky ? Charge(node, at) : (0.5, true);
        if (!leaky) CheckIntegratorR(node, at);
        if (leaky && Uniform(node, "v_leak", at) != vReset)
            Fail($"{at}: v_leak != v_reset; the engine's LIF leaks towards V_reset");
        return Valid(new NeuronSpec
        {
            Dynamics = leaky ? LeakyDynamics(node, at) : Dynamics.IF, Mode = FiringMode.Single, Reset = ResetMode.Hard,
            Thresholds = [threshold], Weights = [1.0], VThreshold = threshold, Decay = decay, VReset = vReset, DecayInput = decayInput,
        }, at);
    }

    public static Subgraph Parse(string head, Dictionary<string, NirNode> nodes, Dictionary<string, List<string>> inEdges,
        Dictionary<string, List<string>> outEdges, string at)
    {
        var v = nodes[head];
        bool leaky = v.Type == "LI";
        var fires = outEdges[head].Distinct().ToList();
        if (fires.Count == 0 || fires.Any(f => nodes[f].Type != "Threshold"))
            Fail($"{at}: an {v.Type} node is read only as the membrane of a neuron subgraph: all its outputs must be Threshold nodes (see docs/nir.md)");
        string Bad(string why) => $"{at}: not the neuron subgraph of docs/nir.md: {why}";
        var levels = new List<(string Fire, string Level, string? Residual, double Threshold, double Lambda)>();
        string? sum = null;
        foreach (var f in fires)
        {
            string? level = null, residual = null;
            foreach (var o in outEdges[f])
            {
                if (nodes[o].Type != "Scale") Fail(Bad($"Threshold '{NirFile.Safe(f)}' feeds a {NirFile.Safe(nodes[o].Type)} node"));
                if (outEdges[o].Count > 0 && outEdges[o].All(fires.Contains)) { if (residual is not null) Fail(Bad("two residual scales on one level")); residual = o; }
                else { if (level is not null) Fail(Bad("two output scales on one level")); level = o; }
            }
            if (level is null || outEdges[level].Count != 1) Fail(Bad($"level '{NirFile.Safe(f)}' needs one output Scale into the sum"));
            if (sum is not null && outEdges[level][0] != sum) Fail(Bad("the levels do not meet in one sum node"));
            sum = outEdges[level][0];
            levels.Add((f, level, residual, Uniform(nodes[f], "threshold", at), Uniform(nodes[level], "scale", at)));
        }
        if (nodes[sum!].Type != "Scale" || Uniform(nodes[sum!], "scale", at) != 1.0) Fail(Bad("the sum of the levels must be a Scale(1) node"));
        if (inEdges[sum!].Count != levels.Count) Fail(Bad("the sum node has inputs other than the levels"));
        levels.Sort((a, b) => b.Threshold.CompareTo(a.Threshold));

        // the reset chain: sum -> reset [-> leak] -> head
        string? reset = null, leak = null;
        foreach (var o in outEdges[sum!])
        {
            if (nodes[o].Type != "Scale") continue;
            var after = outEdges[o];
            if (after.Count == 1 && after[0] == head) { reset = o; break; }
            if (leaky && after.Count == 1 && nodes[after[0]].Type == "Scale" && outEdges[after[0]].Count == 1 && outEdges[after[0]][0] == head) { reset = o; leak = after[0]; break; }
        }
        if (reset is null) Fail(Bad("no reset edge from the sum back to the membrane (a subgraph without it is a neuron without reset, which the engine does not have)"));
        var external = inEdges[head].Where(p => p != (leak ?? reset)).ToList();
        if (external.Count != 1) Fail(Bad($"the membrane needs exactly one input besides the reset (has {external.Count})"));

        double vth = -Uniform(nodes[reset], "scale", at);
        var (decay, decayInput) = leaky ? Charge(v, at) : (0.5, true);
        if (!leaky) CheckIntegratorR(v, at);
        if (leak is not null)
        {
            double want = decayInput ? (1 - decay) / decay : 1 - decay, got = Uniform(nodes[leak], "scale", at);
            if (Math.Abs(got - want) > 1e-9 * Math.Max(1, Math.Abs(want))) Fail(Bad($"reset_leak scale {got} != {want} for decay {decay}"));
        }
        bool cascade = levels.Any(l => l.Residual is not null);
        for (int k = 0; k < levels.Count; k++)
        {
            var l = levels[k];
            var wantPreds = new HashSet<string> { head };
            if (cascade) for (int j = 0; j < k; j++) wantPreds.Add(levels[j].Residual ?? "");
            if (!inEdges[l.Fire].ToHashSet().SetEquals(wantPreds)) Fail(Bad($"threshold '{NirFile.Safe(l.Fire)}' has inputs other than the membrane{(cascade ? " and the residuals of the higher levels" : "")}"));
            if (!cascade) continue;
            if (k + 1 < levels.Count)
            {
                if (l.Residual is null) Fail(Bad($"cascade level {k + 1} has no residual scale"));
                var targets = outEdges[l.Residual].ToHashSet();
                if (!targets.SetEquals(levels.Skip(k + 1).Select(x => x.Fire))) Fail(Bad($"residual of level {k + 1} must feed every lower level and nothing else"));
                double want = -(vth * l.Lambda), got = Uniform(nodes[l.Residual], "scale", at);
                if (Math.Abs(got - want) > 1e-12 * Math.Abs(want)) Fail(Bad($"residual of level {k + 1} is {got}, the cascade needs -V_th lambda_{k + 1} = {want}"));
            }
            else if (l.Residual is not null) Fail(Bad("the last cascade level has a residual scale"));
        }
        var members = new List<string> { head, sum!, reset };
        if (leak is not null) members.Add(leak);
        foreach (var l in levels) { members.Add(l.Fire); members.Add(l.Level); if (l.Residual is not null) members.Add(l.Residual); }
        var neuron = new NeuronSpec
        {
            Dynamics = leaky ? LeakyDynamics(v, at) : Dynamics.IF,
            Mode = levels.Count == 1 ? FiringMode.Single : cascade ? FiringMode.Cascade : FiringMode.Parallel,
            Reset = ResetMode.Soft,
            Thresholds = [.. levels.Select((l, k) => Threshold(v, l.Threshold, k))],
            Weights = [.. levels.Select(l => l.Lambda)],
            VThreshold = vth, Decay = decay, DecayInput = decayInput,
            VReset = leaky ? Uniform(v, "v_leak", at) : 0.0,
        };
        return new Subgraph(external[0], sum!, [.. members], Valid(neuron, at));
    }

    /// <summary>LI/LIF: the decay from tau (the exact metadata value when it agrees) and the decay_input form from r.</summary>
    private static (double Decay, bool DecayInput) Charge(NirNode node, string at)
    {
        double tau = Uniform(node, "tau", at);
        if (!(tau > NirConventions.Dt)) Fail($"{at}: tau = {tau} must be > dt = {NirConventions.Dt} (the per-step decay dt/tau must be in (0, 1))");
        double decay = NirConventions.Decay(tau);
        if (Meta(node, NirNeuronExport.DecayKey) is [var exact] && Math.Abs(exact - decay) <= 1e-12 * decay) decay = exact;
        double r = Uniform(node, "r", at);
        if (r == 1.0) return (decay, true);
        if (Math.Abs(r - 1 / decay) <= 1e-9 * r) return (decay, false);
        return Fail<(double, bool)>($"{at}: r = {r}; the engine's LIF needs r = 1 (input decays with the membrane) or r = tau/dt = {1 / decay} (input added undecayed)");
    }

    private static void CheckIntegratorR(NirNode node, string at)
    {
        double r = Uniform(node, "r", at);
        if (r != 1.0 / NirConventions.Dt) Fail($"{at}: r = {r}; the engine's IF integrates the input unscaled (r = 1/dt = {1.0 / NirConventions.Dt})");
    }

    /// <summary>The engine threshold: the exact metadata value when it maps to the NIR value, else the NIR value's float32 successor.</summary>
    private static double Threshold(NirNode node, double nir, int k) =>
        Meta(node, NirNeuronExport.ThresholdsKey) is { } exact && k < exact.Length && NirConventions.ToNirThreshold(exact[k]) == nir
            ? exact[k] : NirConventions.FromNirThreshold(nir);

    private static Dynamics LeakyDynamics(NirNode node, string at) =>
        node.Fields.TryGetValue("metadata", out var m) && m is NirFields f && f.Fields.TryGetValue(NirNeuronExport.DynamicsKey, out var d) && d is NirText { Value: "plif" }
            ? Dynamics.PLIF : Dynamics.LIF;

    private static double[]? Meta(NirNode node, string key) =>
        node.Fields.TryGetValue("metadata", out var m) && m is NirFields f && f.Fields.TryGetValue(key, out var v) && v is NirFloats x ? x.Values : null;

    private static NeuronSpec Valid(NeuronSpec n, string at) => n.Problem() is { } p ? Fail<NeuronSpec>($"{at}: {p}") : n;
}
