using MtSnn.IO;
using ScottPlot;

namespace MtSnn.Cli.Deploy;

/// <summary>Bar chart of the energy per image of each synaptic layer: ANN, SNN (engine) and, when measured, SNN (analytic).</summary>
public static class EnergyPlot
{
    public static void Save(EnergyTable table, string path, int width = 1000, int height = 500)
    {
        var plot = new Plot();
        bool analytic = table.Analytic is not null;
        int series = analytic ? 3 : 2;
        var colors = new[] { Colors.Gray, Colors.SteelBlue, Colors.Orange };
        var names = analytic ? new[] { "ANN (E_MAC x MACs)", "SNN engine", "SNN analytic" } : ["ANN (E_MAC x MACs)", "SNN engine"];
        for (int s = 0; s < series; s++)
        {
            var bars = table.Rows.Select((r, i) => new Bar
            {
                Position = i * (series + 1) + s,
                Value = (s switch { 0 => r.AnnPj, 1 => r.EnginePj, _ => r.AnalyticPj ?? 0 }) / 1e6,
                FillColor = colors[s],
            }).ToList();
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = names[s];
        }
        var ticks = table.Rows.Select((r, i) => new Tick(i * (series + 1) + (series - 1) / 2.0, $"{r.Name}\n{r.Op}")).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("energy per image (µJ)");
        plot.Title($"Energy per layer, T = {table.Model.Graph.TimeSteps}, {table.Engine.Inferences} images");
        plot.ShowLegend(Edge.Right);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }
}
