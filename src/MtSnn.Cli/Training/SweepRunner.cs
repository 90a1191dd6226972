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

    /// <summary>Test accuracy against T, one line per neuron (mode, K, preset).</summary>
    public static void Plot(string path, IReadOnlyList<SweepRow> rows)
    {
        var plot = new ScottPlot.Plot();
        foreach (var g in rows.GroupBy(r => r.Mode == "single" ? "single" : $"{r.Mode} K={r.Levels} {r.Preset}"))
        {
            var pts = g.OrderBy(r => r.T).ToArray();
            var s = plot.Add.Scatter(pts.Select(r => (double)r.T).ToArray(), pts.Select(r => r.TestAccuracy * 100).ToArray());
            s.LegendText = g.Key;
            s.MarkerSize = 8;
        }
        plot.Title("test accuracy vs time steps T");
        plot.XLabel("T");
        plot.YLabel("test accuracy (%)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(900, 500, ScottPlot.ImageFormat.Png));
    }

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
