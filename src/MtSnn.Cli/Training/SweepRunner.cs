using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtSnn.IO;
using MtSnn.Neurons;
using MtSnn.Training;

namespace MtSnn.Cli.Training;

/// <summary>One row of a sweep: a configuration's neuron mode, K, preset, T and its test accuracy.</summary>
public sealed record SweepRow(string Mode, int Levels, string Preset, int T, double TestAccuracy, double BestTestAccuracy, int Epochs, double Seconds, double ImagesPerSecond)
{
    public JsonObject ToJson() => new()
    {
        ["mode"] = Mode, ["levels"] = Levels, ["preset"] = Preset, ["T"] = T, ["test_accuracy"] = TestAccuracy,
        ["best_test_accuracy"] = BestTestAccuracy, ["epochs"] = Epochs, ["seconds"] = Seconds, ["img_per_s"] = ImagesPerSecond,
    };
}

/// <summary>
/// Trains a list of configurations one after the other (same data, seed and recipe; only the neuron and T differ) and
/// writes <c>report.md</c> (a markdown table), <c>results.json</c> (an array of rows) and <c>accuracy.png</c>.
/// </summary>
public static class SweepRunner
{
    /// <summary>Runs every configuration; each run's own files go to <c>DIR/runs/LABEL</c> when <paramref name="dir"/> is given.</summary>
    public static IReadOnlyList<SweepRow> Run(IReadOnlyList<TrainConfig> configs, string? dir, TextWriter log)
    {
        var rows = new List<SweepRow>();
        for (int i = 0; i < configs.Count; i++)
        {
            var c = configs[i];
            log.WriteLine($"[{i + 1}/{configs.Count}] {c.Label}");
            var clock = Stopwatch.StartNew();
            using var trainer = new Trainer(c, dir is null ? null : Path.Combine(dir, "runs", Slug(c.Label)), new PlainProgress(log, "    "));
            var r = trainer.Run();
            rows.Add(new SweepRow(c.Neuron.Mode.ToString().ToLowerInvariant(), c.Neuron.Levels, c.Neuron.EffectivePreset.ToString().ToLowerInvariant(),
                c.T, r.FinalAccuracy, r.BestAccuracy, r.History.Count, clock.Elapsed.TotalSeconds, r.ImagesPerSecond));
        }
        return rows;
    }

    /// <summary>The markdown table of <paramref name="rows"/>.</summary>
    public static string Markdown(IReadOnlyList<SweepRow> rows)
    {
        var sb = new StringBuilder("| mode | K | preset | T | test acc (final) | test acc (best) | epochs | seconds | img/s |\n|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in rows)
            sb.Append(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Mode} | {r.Levels} | {r.Preset} | {r.T} | {r.TestAccuracy * 100:F2}% | {r.BestTestAccuracy * 100:F2}% | {r.Epochs} | {r.Seconds:F1} | {r.ImagesPerSecond:F0} |\n"));
        return sb.ToString();
    }

    /// <summary>Writes report.md (<paramref name="preamble"/>, the table, <paramref name="notes"/>), results.json and accuracy.png into <paramref name="dir"/>.</summary>
    public static void Write(string dir, IReadOnlyList<SweepRow> rows, string preamble, string notes)
    {
        AtomicFile.WriteAllText(Path.Combine(dir, "report.md"), $"{preamble}\n\n{Markdown(rows)}\n{notes}\n");
        var json = new JsonArray([.. rows.Select(r => (JsonNode?)r.ToJson())]);
        AtomicFile.WriteAllText(Path.Combine(dir, "results.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Plot(Path.Combine(dir, "accuracy.png"), rows);
    }

    /// <summary>
    /// Test accuracy as grouped bars: one group per T (a category, not a continuous axis), one bar per neuron (mode, K,
    /// preset) in a fixed colour, each labelled with its exact accuracy, so equal results stay visible side by side;
    /// the legend sits outside the data.
    /// </summary>
    public static void Plot(string path, IReadOnlyList<SweepRow> rows) =>
        AtomicFile.WriteAllBytes(path, BuildPlot(rows).GetImageBytes(1000, 500, ScottPlot.ImageFormat.Png));

    /// <summary>The plot that <see cref="Plot"/> writes.</summary>
    public static ScottPlot.Plot BuildPlot(IReadOnlyList<SweepRow> rows)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        string Neuron(SweepRow r) => r.Mode == "single" ? "single" : $"{r.Mode} K={r.Levels} {r.Preset}";
        var neurons = rows.Select(Neuron).Distinct().ToList();
        var steps = rows.Select(r => r.T).Distinct().Order().ToList();
        var bars = new List<ScottPlot.Bar>();
        foreach (var r in rows)
        {
            int n = neurons.IndexOf(Neuron(r)), t = steps.IndexOf(r.T);
            bars.Add(new ScottPlot.Bar { Position = t * (neurons.Count + 1) + n, Value = r.TestAccuracy * 100, FillColor = palette.GetColor(n) });
        }
        plot.Add.Bars(bars);
        // each value written inside its bar, halfway between the axis floor and the bar's top, so the axis can end at
        // 100 %: text plottables, because ScottPlot 5.1's own bar labels did not reach the PNG
        double floor = AccuracyFloor(rows);
        foreach (var b in bars)
        {
            var text = plot.Add.Text(b.Value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), b.Position, (floor + b.Value) / 2);
            text.LabelFontSize = 13;
            text.LabelBold = true;
            text.LabelFontColor = ScottPlot.Colors.White;
            text.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
        }
        for (int n = 0; n < neurons.Count; n++) plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = neurons[n], FillColor = palette.GetColor(n) });
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. steps.Select((_, i) => i * (neurons.Count + 1) + (neurons.Count - 1) / 2.0)], [.. steps.Select(t => $"T = {t}")]);
        plot.Axes.SetLimitsY(floor, 100); // accuracy cannot exceed 100 %: the axis ends there
        plot.Title("test accuracy by time steps T");
        plot.YLabel("test accuracy (%)");
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot;
    }

    /// <summary>The bottom of the accuracy axis: 10 points below the lowest result's decade, at least 0.</summary>
    public static double AccuracyFloor(IReadOnlyList<SweepRow> rows) =>
        rows.Count == 0 ? 0 : Math.Max(0, Math.Floor(rows.Min(r => r.TestAccuracy * 100) / 10) * 10 - 10);

    /// <summary>The configurations of a sweep over modes x levels x T (single firing only with K = 1, once per T); <paramref name="preset"/> null means each mode's default.</summary>
    public static IReadOnlyList<TrainConfig> Grid(TrainConfig baseConfig, IEnumerable<FiringMode> modes, IEnumerable<int> levels, IEnumerable<int> steps, ThresholdPreset? preset = null)
    {
        var list = new List<TrainConfig>();
        foreach (int t in steps)
            foreach (var mode in modes)
                foreach (int k in mode == FiringMode.Single ? [1] : levels)
                {
                    var neuron = baseConfig.Neuron with { Mode = mode, Levels = k, Preset = mode == FiringMode.Single ? null : preset, Thresholds = [], Weights = [], Reset = null };
                    list.Add((baseConfig with { Neuron = neuron.Validate(), T = t }).Validate());
                }
        return list;
    }

    private static string Slug(string label) => label.Replace(' ', '_').Replace("=", "");
}
