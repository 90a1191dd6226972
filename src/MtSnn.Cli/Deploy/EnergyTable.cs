using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MtSnn.Export;
using MtSnn.Runtime;
using MtSnn.Runtime.Counting;

namespace MtSnn.Cli.Deploy;

/// <summary>One synaptic layer's energy per image: the analytic estimate (when spikes were measured), the engine's exact count, and the ANN.</summary>
public sealed record EnergyRow(int Index, string Name, string Op, long AnnMacs, long? AnalyticSops, long? AnalyticIntegerSops, long? AnalyticMacs,
    long EngineSops, long EngineIntegerSops, long EngineMacs, double Images, EnergyModel Energy)
{
    /// <summary>ANN energy per image: <c>E_MAC MACs</c>.</summary>
    public double AnnPj => Energy.MacPicojoules * AnnMacs;
    /// <summary>Engine SNN energy per image: <c>E_MAC MACs_conv + E_AC SOPs</c>.</summary>
    public double EnginePj => (Energy.MacPicojoules * EngineMacs + Energy.AcPicojoules * EngineSops) / Images;
    /// <summary>Engine energy by the integer-count convention.</summary>
    public double EngineIntegerPj => (Energy.MacPicojoules * EngineMacs + Energy.AcPicojoules * EngineIntegerSops) / Images;
    /// <summary>Analytic SNN energy per image, or null.</summary>
    public double? AnalyticPj => AnalyticSops is { } s ? (Energy.MacPicojoules * AnalyticMacs!.Value + Energy.AcPicojoules * s) / Images : null;
    /// <summary>Analytic SOPs equal the engine's exactly (null without an analytic count).</summary>
    public bool? Agree => AnalyticSops is { } s ? s == EngineSops && AnalyticMacs == EngineMacs && AnalyticIntegerSops == EngineIntegerSops : null;
}

/// <summary>
/// Image-by-image check of the analytic count against the engine's: images whose total SOPs differ, images whose
/// spikes differ (count per neuron layer and level, TorchSharp vs engine: a membrane within float32 rounding of
/// a threshold fired in one implementation and not the other), images whose logits differ by more than 1e-4 of the
/// largest, and images whose SOPs differ although every spike count agrees (0 when the fan-out count is right).
/// </summary>
public sealed record ImageCheck(int Images, int SopsDiffer, int SpikesDiffer, int LogitsDiffer, int SopsDifferSpikesAgree)
{
    /// <summary>Tolerance on the logits, relative to the largest reference logit.</summary>
    public const double LogitTolerance = 1e-4;

    public static ImageCheck Compute(SopEstimate analytic, EngineRunResult engine, ReadOnlySpan<float> referenceLogits, int classes)
    {
        int n = engine.Images, sops = 0, spikes = 0, logits = 0, unexplained = 0;
        for (int i = 0; i < n; i++)
        {
            double scale = 0, err = 0;
            for (int c = 0; c < classes; c++)
            {
                scale = Math.Max(scale, Math.Abs(referenceLogits[i * classes + c]));
                err = Math.Max(err, Math.Abs(referenceLogits[i * classes + c] - engine.Logits[i * classes + c]));
            }
            bool sopsDiffer = analytic.ImageSops[i] != engine.ImageSops![i], spikesDiffer = !analytic.ImageSpikes[i].AsSpan().SequenceEqual(engine.ImageSpikes![i]);
            if (err > LogitTolerance * Math.Max(scale, 1e-6)) logits++;
            if (sopsDiffer) sops++;
            if (spikesDiffer) spikes++;
            if (sopsDiffer && !spikesDiffer) unexplained++;
        }
        return new ImageCheck(n, sops, spikes, logits, unexplained);
    }
}

/// <summary>
/// The energy comparison of <c>mtsnn energy</c> (MT-SNN.md §4): per synaptic layer and in total, the analytic estimate
/// <c>E_MAC MACs(first layer) T + E_AC sum_t sum_k sum_i S_k[t,i] fan_out(i)</c> from spikes measured on the TorchSharp
/// model, the engine's exact count on the same images, the ANN <c>E_MAC x MACs</c>, and the integer-count convention.
/// </summary>
public sealed class EnergyTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public EnergyTable(MtSnnModel model, OpCounts engine, SopEstimate? analytic, EnergyModel energy, ImageCheck? check = null)
    {
        Check = check;
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(engine);
        Model = model;
        Engine = engine;
        Analytic = analytic;
        Energy = energy;
        double n = engine.Inferences;
        Rows = [.. Enumerable.Range(0, model.Graph.Layers.Length).Where(i => model.LayerMacs(i) > 0).Select(i =>
        {
            var e = engine.Layers[i];
            var a = analytic?.Layers[i];
            return new EnergyRow(i, model.LayerName(i), e.Op, model.LayerMacs(i), a?.Sops, a?.IntegerSops, a?.MacsConvention, e.Sops, e.IntegerSops, e.MacsConvention, n, energy);
        })];
    }

    public MtSnnModel Model { get; }
    public OpCounts Engine { get; }
    public SopEstimate? Analytic { get; }
    public EnergyModel Energy { get; }
    public IReadOnlyList<EnergyRow> Rows { get; }
    /// <summary>Per-image comparison of the analytic and engine counts (with a checkpoint).</summary>
    public ImageCheck? Check { get; }

    /// <summary>Totals: analytic and engine SOPs equal in every layer.</summary>
    public bool? AllAgree => Analytic is null ? null : Rows.All(r => r.Agree == true);

    public double AnnPj => Rows.Sum(r => r.AnnPj);
    public double EnginePj => Rows.Sum(r => r.EnginePj);
    public double EngineIntegerPj => Rows.Sum(r => r.EngineIntegerPj);
    public double? AnalyticPj => Analytic is null ? null : Rows.Sum(r => r.AnalyticPj!.Value);

    public string Markdown(string title)
    {
        double n = Engine.Inferences;
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}");
        sb.AppendLine();
        sb.AppendLine(string.Create(Inv, $"{Engine.Inferences} images, T = {Model.Graph.TimeSteps}, E_MAC = {Energy.MacPicojoules} pJ, E_AC = {Energy.AcPicojoules} pJ. Per image."));
        sb.AppendLine(Analytic is null
            ? "Only the engine's exact count is available (a .mtsnn file has no TorchSharp model to measure spikes on; give the checkpoint for the analytic estimate)."
            : "Analytic: spikes S_k measured on the TorchSharp model, SOPs = sum_t sum_k sum_i S_k[t,i] fan_out(i). Engine: counted where the additions happen.");
        sb.AppendLine();
        sb.AppendLine("| layer | op | ANN MACs | SNN MACs (xT) | SOPs analytic | SOPs engine | integer SOPs | E analytic (pJ) | E engine (pJ) | E integer conv. (pJ) | E ANN (pJ) | ANN / SNN |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Rows)
            sb.AppendLine(string.Create(Inv,
                $"| {r.Name} | {r.Op} | {r.AnnMacs:N0} | {CountsReport.F(r.EngineMacs / n)} | {(r.AnalyticSops is { } a ? CountsReport.F(a / n) : "-")} | {CountsReport.F(r.EngineSops / n)} | {CountsReport.F(r.EngineIntegerSops / n)} | {(r.AnalyticPj is { } ap ? ap.ToString("N1", Inv) : "-")} | {r.EnginePj:N1} | {r.EngineIntegerPj:N1} | {r.AnnPj:N1} | {Ratio(r.AnnPj, r.EnginePj)} |"));
        sb.AppendLine(string.Create(Inv,
            $"| total | | {Rows.Sum(r => r.AnnMacs):N0} | {CountsReport.F(Engine.MacsConvention / n)} | {(Analytic is null ? "-" : CountsReport.F(Analytic.Sops / n))} | {CountsReport.F(Engine.Sops / n)} | {CountsReport.F(Engine.IntegerSops / n)} | {(AnalyticPj is { } t ? t.ToString("N1", Inv) : "-")} | {EnginePj:N1} | {EngineIntegerPj:N1} | {AnnPj:N1} | {Ratio(AnnPj, EnginePj)} |"));
        sb.AppendLine();
        if (AllAgree is { } agree)
            sb.AppendLine(agree ? "The analytic SOP counts equal the engine's exactly in every layer."
                : Check is { } c ? string.Create(Inv, $"The analytic SOP counts differ from the engine's on {c.SopsDiffer} of {c.Images} images and are equal exactly on the others. The spikes themselves differ (TorchSharp vs engine) on {c.SpikesDiffer} images: a membrane within float32 rounding of a threshold fired in one implementation only (logits differ by more than {ImageCheck.LogitTolerance:G} on {c.LogitsDiffer}). SOPs differ with equal spikes on {c.SopsDifferSpikesAgree} images.")
                : "The analytic SOP counts differ from the engine's (see the table).");
        sb.AppendLine();
        sb.AppendLine("| neuron layer | firing rate engine | per level (engine) | firing rate TorchSharp |");
        sb.AppendLine("|---|---:|---|---:|");
        foreach (var l in Engine.Layers.Where(l => l.NeuronSteps > 0))
            sb.AppendLine(string.Create(Inv,
                $"| {Model.LayerName(l.Index)} | {l.FiringRate:F4} | {string.Join(" / ", Enumerable.Range(0, l.LevelSpikes.Length).Select(k => l.LevelFiringRate(k).ToString("F4", Inv)))} | {(Analytic is null ? "-" : Analytic.Layers[l.Index].FiringRate.ToString("F4", Inv))} |"));
        return sb.ToString();
    }

    public JsonObject Json(string source)
    {
        double n = Engine.Inferences;
        return new JsonObject
        {
            ["source"] = source, ["images"] = Engine.Inferences, ["time_steps"] = Model.Graph.TimeSteps,
            ["e_mac_pj"] = Energy.MacPicojoules, ["e_ac_pj"] = Energy.AcPicojoules,
            ["analytic_available"] = Analytic is not null, ["sops_agree"] = AllAgree,
            ["images_sops_differ"] = Check?.SopsDiffer, ["images_spikes_differ"] = Check?.SpikesDiffer, ["images_logits_differ"] = Check?.LogitsDiffer,
            ["images_sops_differ_spikes_agree"] = Check?.SopsDifferSpikesAgree,
            ["total"] = new JsonObject
            {
                ["ann_macs"] = Rows.Sum(r => r.AnnMacs), ["ann_pj"] = AnnPj, ["engine_pj"] = EnginePj, ["engine_integer_convention_pj"] = EngineIntegerPj,
                ["analytic_pj"] = AnalyticPj, ["ann_over_snn"] = CountsReport.Finite(AnnPj / EnginePj),
                ["engine_sops"] = Engine.Sops, ["engine_integer_sops"] = Engine.IntegerSops, ["engine_macs_convention"] = Engine.MacsConvention,
                ["analytic_sops"] = Analytic?.Sops, ["analytic_integer_sops"] = Analytic?.IntegerSops, ["analytic_macs_convention"] = Analytic?.MacsConvention,
                ["merge_additions"] = Engine.MergeAdditions, ["all_additions"] = Engine.Additions,
            },
            ["layers"] = new JsonArray([.. Rows.Select(r => (JsonNode?)new JsonObject
            {
                ["index"] = r.Index, ["name"] = r.Name, ["op"] = r.Op, ["ann_macs"] = r.AnnMacs,
                ["engine_macs_convention"] = r.EngineMacs, ["engine_sops"] = r.EngineSops, ["engine_integer_sops"] = r.EngineIntegerSops,
                ["analytic_macs_convention"] = r.AnalyticMacs, ["analytic_sops"] = r.AnalyticSops, ["analytic_integer_sops"] = r.AnalyticIntegerSops,
                ["sops_agree"] = r.Agree, ["ann_pj"] = r.AnnPj, ["engine_pj"] = r.EnginePj, ["engine_integer_convention_pj"] = r.EngineIntegerPj,
                ["analytic_pj"] = r.AnalyticPj, ["ann_over_snn"] = CountsReport.Finite(r.AnnPj / r.EnginePj),
                ["engine_sops_per_image"] = r.EngineSops / n,
            })]),
            ["firing_rates"] = new JsonArray([.. Engine.Layers.Where(l => l.NeuronSteps > 0).Select(l => (JsonNode?)new JsonObject
            {
                ["index"] = l.Index, ["name"] = Model.LayerName(l.Index), ["engine"] = l.FiringRate, ["analytic"] = Analytic?.Layers[l.Index].FiringRate,
                ["engine_levels"] = new JsonArray([.. Enumerable.Range(0, l.LevelSpikes.Length).Select(k => (JsonNode?)l.LevelFiringRate(k))]),
            })]),
        };
    }

    private static string Ratio(double ann, double snn) => snn > 0 ? (ann / snn).ToString("F2", Inv) + "x" : "-";
}
