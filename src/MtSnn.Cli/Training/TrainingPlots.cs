using MtSnn.IO;
using MtSnn.Training;
using ScottPlot;

namespace MtSnn.Cli.Training;

/// <summary>PNG plots of a training run (ScottPlot 5): loss and accuracy per epoch, and the firing rate of every level of every spiking layer.</summary>
public static class TrainingPlots
{
    /// <summary>Writes <c>loss.png</c>, <c>accuracy.png</c> and <c>firing_rates.png</c> into <paramref name="dir"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Save(TrainingResult result, string dir)
    {
        double[] x = [.. result.History.Select(h => (double)h.Epoch)];
        string loss = Path.Combine(dir, "loss.png"), acc = Path.Combine(dir, "accuracy.png"), rates = Path.Combine(dir, "firing_rates.png");
        Lines(loss, $"loss — {result.Config.Label}", "loss", x,
            ("train", [.. result.History.Select(h => h.TrainLoss)]), ("test", [.. result.History.Select(h => h.TestLoss)]));
        Lines(acc, $"accuracy — {result.Config.Label}", "accuracy (%)", x,
            ("train", [.. result.History.Select(h => h.TrainAccuracy * 100)]), ("test", [.. result.History.Select(h => h.TestAccuracy * 100)]));
        FiringRates(rates, result.Final.FiringRates, $"firing rate per layer and level — {result.Config.Label}");
        return [loss, acc, rates];
    }

    /// <summary>A line per series against x.</summary>
    public static void Lines(string path, string title, string yLabel, double[] x, params (string Name, double[] Y)[] series)
    {
        var plot = new Plot();
        foreach (var (name, y) in series)
        {
            var s = plot.Add.Scatter(x, y);
            s.LegendText = name;
            s.MarkerSize = 6;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };   // epochs are whole
        plot.ShowLegend(Edge.Right);   // outside the data, never over the last points
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(900, 500, ImageFormat.Png));
    }

    /// <summary>Grouped bars: one group per layer, one bar per level k.</summary>
    public static void FiringRates(string path, IReadOnlyList<LayerRates> layers, string title)
    {
        var plot = new Plot();
        int maxK = layers.Count == 0 ? 1 : layers.Max(l => l.Levels.Length);
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        for (int l = 0; l < layers.Count; l++)
            for (int k = 0; k < layers[l].Levels.Length; k++)
                bars.Add(new Bar { Position = l * (maxK + 1) + k, Value = layers[l].Levels[k], FillColor = palette.GetColor(k) });
        plot.Add.Bars(bars);
        for (int k = 0; k < maxK; k++) plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"level {k + 1}", FillColor = palette.GetColor(k) });
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. layers.Select((l, i) => i * (maxK + 1) + (maxK - 1) / 2.0)], [.. layers.Select(l => l.Layer)]);
        plot.Title(title);
        plot.YLabel("spikes per neuron per step");
        plot.ShowLegend(Edge.Right);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(900, 500, ImageFormat.Png));
    }
}
