using System.Globalization;
using System.Text;
using MtSnn.Training;

namespace MtSnn.Cli.Training;

/// <summary>The final summary of a training run as a markdown table (plain, so it reads the same on a terminal, in a log and in report.md).</summary>
public static class ResultTable
{
    public static string Markdown(TrainingResult r)
    {
        var sb = new StringBuilder();
        sb.Append("| run | epochs | best test acc | final test acc | final test loss | img/s | train s |\n");
        sb.Append("|---|---:|---:|---:|---:|---:|---:|\n");
        sb.Append(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Config.Model} {r.Config.Neuron.Dynamics} {r.Config.Label} | {r.History.Count} | {r.BestAccuracy * 100:F2}% (epoch {r.BestEpoch}) | {r.FinalAccuracy * 100:F2}% | {r.Final.Loss:F4} | {r.ImagesPerSecond:F0} | {r.TrainSeconds:F1} |\n"));
        sb.Append('\n').Append(Rates(r.Final.FiringRates));
        return sb.ToString();
    }

    /// <summary>Firing rates: one row per layer, one column per level.</summary>
    public static string Rates(IReadOnlyList<LayerRates> layers)
    {
        int k = layers.Count == 0 ? 0 : layers.Max(l => l.Levels.Length);
        var sb = new StringBuilder("| layer |");
        for (int i = 1; i <= k; i++) sb.Append($" rate level {i} |");
        sb.Append("\n|---|").Append(string.Concat(Enumerable.Repeat("---:|", k))).Append('\n');
        foreach (var l in layers)
        {
            sb.Append("| ").Append(l.Layer).Append(" |");
            for (int i = 0; i < k; i++) sb.Append(i < l.Levels.Length ? l.Levels[i].ToString(" 0.0000 |", CultureInfo.InvariantCulture) : " |");
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
