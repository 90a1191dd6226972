using System.Globalization;
using MtSnn.IO;
using MtSnn.Monitoring;
using ScottPlot;

namespace MtSnn.Cli.Plots;

/// <summary>
/// Spike rasters from a <see cref="NetworkMonitor"/> (ScottPlot 5): one PNG per layer and level, <c>raster_LAYER_levelK.png</c>,
/// a mark at (column, neuron n) wherever <c>S_k[t, s, n] = 1</c>. Columns are time steps, one block per test sample side
/// by side; at T = 1 each sample is one column, so the x axis is the sample. A layer of more than
/// <see cref="MaxNeurons"/> neurons shows every m-th neuron, m coprime to the neuron count so that the subset spreads over
/// channels and pixels alike (the title says which).
/// </summary>
public static class RasterPlot
{
    /// <summary>The most neurons drawn per picture.</summary>
    public const int MaxNeurons = 128;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The file name of the raster of <paramref name="layer"/>'s level <paramref name="level"/> (1-based).</summary>
    public static string FileName(string layer, int level) => $"raster_{layer}_level{level}.png";

    /// <summary>Writes every layer's and level's raster into <paramref name="dir"/>; returns the paths in layer, level order.</summary>
    public static IReadOnlyList<string> SaveAll(NetworkMonitor monitor, string dir)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        var paths = new List<string>();
        foreach (var layer in monitor.Layers)
        {
            var records = monitor.Records(layer);
            if (records.Count == 0) continue;
            var rates = monitor.FiringRates.First(r => r.Layer == layer).Levels;
            for (int k = 0; k < records[0].Levels; k++)
            {
                string path = Path.Combine(dir, FileName(layer, k + 1));
                Save(path, layer, records, k, rates[k]);
                paths.Add(path);
            }
        }
        return paths;
    }

    /// <summary>The raster of level <paramref name="level"/> (0-based) of one layer's <paramref name="records"/>; <paramref name="rate"/> is its firing rate over every sample run.</summary>
    public static void Save(string path, string layer, IReadOnlyList<MonitorRecord> records, int level, double rate)
    {
        int steps = records.Max(r => r.Steps), neurons = records[0].Neurons, levels = records[0].Levels;
        int samples = records.Sum(r => r.Samples);
        int stride = (neurons + MaxNeurons - 1) / MaxNeurons;
        while (stride > 1 && Gcd(stride, neurons) != 1) stride++;   // a stride sharing a factor with C x H x W would show the same pixels of every channel
        int shown = (neurons + stride - 1) / stride;
        int gap = steps > 1 ? 1 : 0, block = steps + gap, columns = samples * block - gap;

        var xs = new List<double>();
        var ys = new List<double>();
        int sample = 0;
        foreach (var r in records)
            for (int s = 0; s < r.Samples; s++, sample++)
                for (int t = 0; t < r.Steps; t++)
                {
                    var plane = r.SpikePlane(t, level, s);
                    for (int n = 0; n < neurons; n += stride)
                        if (plane[n] != 0) { xs.Add(sample * block + t); ys.Add(n); }
                }

        var plot = new Plot();
        double cell = Math.Min(820.0 / Math.Max(1, columns), 470.0 / Math.Max(1, shown));
        if (xs.Count > 0)
        {
            var marks = plot.Add.ScatterPoints(xs.ToArray(), ys.ToArray());
            marks.MarkerShape = MarkerShape.FilledSquare;
            marks.MarkerSize = (float)Math.Clamp(cell * 0.8, 2, 14);
            marks.Color = Colors.Black;
        }
        var ticks = new List<Tick>();
        if (steps > 1)
        {
            int every = Math.Max(1, (int)Math.Ceiling(steps / Math.Max(1.0, 40.0 / samples)));
            for (int s = 0; s < samples; s++)
            {
                for (int t = 0; t < steps; t += every) ticks.Add(new Tick(s * block + t, t.ToString(Inv)));
                var label = plot.Add.Text($"sample {s}", s * block + (steps - 1) / 2.0, shown * stride - 0.5);
                label.LabelAlignment = Alignment.LowerCenter;
                label.LabelFontSize = 11;
                if (s > 0) plot.Add.VerticalLine(s * block - 1, 1, Colors.Gray);
            }
            plot.XLabel("time step t (one block per test sample)");
        }
        else
        {
            int every = Math.Max(1, samples / 16);
            for (int s = 0; s < samples; s += every) ticks.Add(new Tick(s, s.ToString(Inv)));
            plot.XLabel("test sample (T = 1: one step each)");
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        string shape = string.Join("x", records[0].NeuronShape);
        plot.YLabel(stride == 1 ? $"neuron index (all {neurons}; shape {shape})" : $"neuron index (every {stride}th of {neurons}; shape {shape})");
        string which = stride == 1 ? $"all {neurons} neurons" : $"{shown} of {neurons} neurons (0, {stride}, {2 * stride}, ...)";
        plot.Title(string.Create(Inv, $"{layer}: level {level + 1} of {levels}, {which}, {samples} samples, T = {steps}\nfiring rate of this level on the batches run: {rate:F4}{(xs.Count == 0 ? " (no spikes in these samples)" : "")}"));
        plot.Axes.SetLimits(-0.5 - 0.3 * gap, columns - 0.5 + 0.3 * gap, -0.5, shown * stride - 0.5 + (steps > 1 ? shown * stride * 0.06 : 0));
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(1000, 620, ImageFormat.Png));
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
