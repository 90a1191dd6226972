using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MtSnn.Runtime;
using MtSnn.Runtime.Counting;

namespace MtSnn.Cli.Deploy;

/// <summary>The engine's operation counts as a markdown table and as JSON (per layer, totals over all images).</summary>
public static class CountsReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Multiplications in the spiking part: <c>Multiplications + LeakMultiplications</c> of every layer except the MAC
    /// layers on real-valued input (the first layer). 0 for IF and for LIF/PLIF with tau = 2^m; read-out multiplications
    /// (one per class per image) are reported apart.
    /// </summary>
    public static long SpikingMultiplications(OpCounts counts) =>
        counts.Layers.Where(l => l.MacsPerformed == 0).Sum(l => l.Multiplications + l.LeakMultiplications);

    /// <summary>Per layer (named as <see cref="MtSnnModel.LayerName"/>): additions, comparisons, multiplications, shifts, MACs, SOPs (per level), firing rate; per image.</summary>
    public static string Markdown(MtSnnModel model, OpCounts counts)
    {
        double n = Math.Max(1, counts.Inferences);
        var sb = new StringBuilder();
        sb.AppendLine("| layer | op | MACs (xT) | SOPs | SOPs per level | merge adds | additions | comparisons | mults | leak mults | shifts | firing rate (per level) |");
        sb.AppendLine("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var l in counts.Layers)
        {
            string levels = l.LevelSops.Length == 0 || l.Sops == 0 ? "" : string.Join(" / ", l.LevelSops.Select(s => F(s / n)));
            string rate = l.NeuronSteps == 0 ? "" : string.Create(Inv, $"{l.FiringRate:F3} ({string.Join(" / ", Enumerable.Range(0, l.LevelSpikes.Length).Select(k => l.LevelFiringRate(k).ToString("F3", Inv)))})");
            sb.AppendLine(string.Create(Inv, $"| {model.LayerName(l.Index)} | {l.Op} | {F(l.MacsConvention / n)} | {F(l.Sops / n)} | {levels} | {F(l.MergeAdditions / n)} | {F(l.Additions / n)} | {F(l.Comparisons / n)} | {F(l.Multiplications / n)} | {F(l.LeakMultiplications / n)} | {F(l.Shifts / n)} | {rate} |"));
        }
        sb.AppendLine(string.Create(Inv, $"| total | | {F(counts.MacsConvention / n)} | {F(counts.Sops / n)} | | {F(counts.MergeAdditions / n)} | {F(counts.Additions / n)} | {F(counts.Comparisons / n)} | {F(counts.Multiplications / n)} | {F(counts.LeakMultiplications / n)} | {F(counts.Shifts / n)} | |"));
        return sb.ToString();
    }

    /// <summary>Every counter of every layer, totals over <see cref="OpCounts.Inferences"/> images (exact integers).</summary>
    public static JsonArray LayersJson(MtSnnModel model, OpCounts counts)
    {
        var array = new JsonArray();
        foreach (var l in counts.Layers)
            array.Add(new JsonObject
            {
                ["index"] = l.Index, ["name"] = model.LayerName(l.Index), ["op"] = l.Op,
                ["additions"] = l.Additions, ["comparisons"] = l.Comparisons, ["multiplications"] = l.Multiplications,
                ["leak_multiplications"] = l.LeakMultiplications, ["shifts"] = l.Shifts, ["weight_reads"] = l.WeightReads,
                ["macs_performed"] = l.MacsPerformed, ["macs_convention"] = l.MacsConvention, ["merge_additions"] = l.MergeAdditions,
                ["sops"] = l.Sops, ["integer_sops"] = l.IntegerSops, ["readout_multiplications"] = l.ReadoutMultiplications,
                ["level_sops"] = Array(l.LevelSops), ["level_spikes"] = Array(l.LevelSpikes),
                ["neuron_steps"] = l.NeuronSteps, ["active_neuron_steps"] = l.ActiveNeuronSteps, ["firing_rate"] = l.FiringRate,
                ["level_firing_rates"] = new JsonArray([.. Enumerable.Range(0, l.LevelSpikes.Length).Select(k => (JsonNode?)l.LevelFiringRate(k))]),
            });
        return array;
    }

    /// <summary>Totals over all images (exact integers).</summary>
    public static JsonObject TotalsJson(OpCounts counts) => new()
    {
        ["additions"] = counts.Additions, ["comparisons"] = counts.Comparisons, ["multiplications"] = counts.Multiplications,
        ["leak_multiplications"] = counts.LeakMultiplications, ["shifts"] = counts.Shifts, ["weight_reads"] = counts.WeightReads,
        ["macs_performed"] = counts.MacsPerformed, ["macs_convention"] = counts.MacsConvention, ["merge_additions"] = counts.MergeAdditions,
        ["sops"] = counts.Sops, ["integer_sops"] = counts.IntegerSops, ["readout_multiplications"] = counts.ReadoutMultiplications,
        ["multiplications_spiking_layers"] = SpikingMultiplications(counts),
    };

    /// <summary>Energy per image (pJ) of the counts, with the ANN of the same architecture.</summary>
    public static JsonObject EnergyJson(EnergyReport e) => new()
    {
        ["macs_convention"] = e.MacsConvention, ["sops"] = e.Sops, ["integer_sops"] = e.IntegerSops, ["ann_macs"] = e.AnnMacs,
        ["snn_pj"] = e.SnnPicojoules, ["snn_integer_convention_pj"] = e.SnnIntegerConventionPicojoules,
        ["snn_all_additions_pj"] = e.SnnAllAdditionsPicojoules, ["ann_pj"] = e.AnnPicojoules, ["ann_over_snn"] = Finite(e.AnnOverSnn),
    };

    internal static JsonNode? Finite(double v) => double.IsFinite(v) ? v : null;

    private static JsonArray Array(long[] values) => new([.. values.Select(v => (JsonNode?)v)]);

    internal static string F(double v) => Math.Abs(v - Math.Round(v)) < 1e-9 ? Math.Round(v).ToString("N0", Inv) : v.ToString("N1", Inv);

    /// <summary>The MACs of every MAC layer (real-valued input) per image, charged T times.</summary>
    public static double FirstLayerMacs(OpCounts counts) => counts.Inferences == 0 ? 0 : (double)counts.MacsConvention / counts.Inferences;

    /// <summary>A one-line summary of the energy per image.</summary>
    public static string EnergyLine(EnergyReport e, EnergyModel m) => string.Create(Inv,
        $"energy per image: SNN {e.SnnPicojoules / 1e6:F4} uJ (E_MAC {m.MacPicojoules} pJ x {F(e.MacsConvention)} MACs + E_AC {m.AcPicojoules} pJ x {F(e.Sops)} SOPs), integer-count convention {e.SnnIntegerConventionPicojoules / 1e6:F4} uJ; ANN {e.AnnPicojoules / 1e6:F4} uJ ({e.AnnMacs:N0} MACs); ANN / SNN = {e.AnnOverSnn:F2}x");

}
