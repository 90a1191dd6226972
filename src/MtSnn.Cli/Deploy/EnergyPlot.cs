using MtSnn.IO;
using ScottPlot;

namespace MtSnn.Cli.Deploy;

/// <summary>
/// Bar chart of the energy per image of each synaptic layer: ANN, SNN (engine) and, when measured, SNN (analytic), on a
/// log scale (bars drawn as log10 of µJ from the decade below the smallest value, ticks at whole decades), because
/// layers differ by orders of magnitude and small ones vanish on a linear axis. A zero energy has no bar.
/// </summary>
public static class EnergyPlot
{
    /// <summary>The series' names, in the order they are drawn.</summary>
    public static readonly string[] Names = ["ANN (E_MAC x MACs)", "SNN engine", "SNN analytic"];

    public static void Save(EnergyTable table, string path, int width = 1000, int height = 500) =>
        AtomicFile.WriteAllBytes(path, Build(table).GetImageBytes(width, height, ImageFormat.Png));

    /// <summary>The plot; its left axis is in decades: y = log10(µJ), between <see cref="Decades"/>' bounds.</summary>
    public static Plot Build(EnergyTable table)
    {
        var plot = new Plot();
        bool analytic = table.Analytic is not null;
        int series = analytic ? 3 : 2;
        var colors = new[] { Colors.Gray, Colors.SteelBlue, Colors.Orange };
        double Energy(EnergyRow r, int s) => (s switch { 0 => r.AnnPj, 1 => r.EnginePj, _ => r.AnalyticPj ?? 0 }) / 1e6;
        var (low, high) = Decades(table.Rows.SelectMany(r => Enumerable.Range(0, series).Select(s => Energy(r, s))));
        for (int s = 0; s < series; s++)
        {
            var bars = table.Rows.Select((r, i) => (r, i)).Where(p => Energy(p.r, s) > 0).Select(p => new Bar
            {
                Position = p.i * (series + 1) + s,
                Value = Math.Log10(Energy(p.r, s)),
                ValueBase = low,
                FillColor = colors[s],
            }).ToList();
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = Names[s];
        }
        var ticks = table.Rows.Select((r, i) => new Tick(i * (series + 1) + (series - 1) / 2.0, $"{r.Name}\n{r.Op}")).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        var decades = Enumerable.Range((int)low, (int)(high - low) + 1).Select(d => new Tick(d, DecadeLabel(d))).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(decades);
        plot.Axes.SetLimitsY(low, high);
        plot.YLabel("energy per image (µJ, log scale)");
        plot.Title($"Energy per layer, T = {table.Model.Graph.TimeSteps}, {table.Engine.Inferences} images");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>The whole decades (log10 of µJ) around the positive values: the floor of the smallest, the ceiling of the largest (at least one decade apart).</summary>
    public static (double Low, double High) Decades(IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0).ToList();
        if (positive.Count == 0) return (0, 1);
        double low = Math.Floor(Math.Log10(positive.Min())), high = Math.Ceiling(Math.Log10(positive.Max()));
        return (low, Math.Max(high, low + 1));
    }

    /// <summary>10^d µJ as a plain number (0.001, 1, 100) or, beyond 10^±4, as 1e-05.</summary>
    public static string DecadeLabel(int d) => Math.Abs(d) <= 4
        ? Math.Pow(10, d).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)
        : $"1e{d:+00;-00}";
}
