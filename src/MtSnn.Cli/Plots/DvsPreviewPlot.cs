using MtSnn.Data.Neuromorphic;
using MtSnn.IO;
using ScottPlot;

namespace MtSnn.Cli.Plots;

/// <summary>
/// The <c>dvs-emulate</c> preview: the event frames of one sample side by side (one tile per time bin), each pixel
/// coloured by its net polarity (ON - OFF events, scaled by the frame's largest count): red for ON (brightness up),
/// blue for OFF (brightness down), black for none; axes, a title and a polarity legend outside the data.
/// </summary>
public static class DvsPreviewPlot
{
    /// <summary>The legend's colours and texts, written once.</summary>
    public static readonly Color On = Colors.Red, Off = Colors.Blue;
    public const string OnText = "ON events (brightness up)", OffText = "OFF events (brightness down)";

    /// <summary>The plot of the first <paramref name="maxFrames"/> frames; <paramref name="what"/> names the sample in the title.</summary>
    public static Plot Build(EventFrames frames, string what, int maxFrames = 10)
    {
        ArgumentNullException.ThrowIfNull(frames);
        int tiles = Math.Min(frames.Frames, maxFrames), w = frames.Width, h = frames.Height, gap = Math.Max(1, w / 8);
        var plot = new Plot();
        var ticks = new List<Tick>();
        for (int t = 0; t < tiles; t++)
        {
            float max = 0;
            foreach (float v in frames.Frame(t)) max = Math.Max(max, v);
            var off = frames.Plane(t, 0);
            var on = frames.Plane(t, 1);
            var net = new double[h, w];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    net[y, x] = max > 0 ? (on[y * w + x] - off[y * w + x]) / max : 0;
            var hm = plot.Add.Heatmap(net);
            hm.Colormap = new PolarityColormap();
            hm.ManualRange = new ScottPlot.Range(-1, 1);
            double left = t * (w + gap);
            hm.Extent = new CoordinateRect(left, left + w, 0, h);
            ticks.Add(new Tick(left + w / 2.0, $"{t + 1}"));
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimits(-gap, tiles * (w + gap), 0, h);
        plot.XLabel($"time bin (of {frames.Frames}; each tile {w} x {h} pixels)");
        // a heatmap shows its first row at the top, as the sensor's image: label the rows so
        int step = h <= 20 ? 5 : 10;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, h / step + 1).Select(i => new Tick(h - i * step - 0.5, $"{i * step}"))]);
        plot.YLabel("row (pixels, 0 = top)");
        plot.Title($"Emulated events: {what}");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = OnText, FillColor = On });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = OffText, FillColor = Off });
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    /// <summary>Writes <see cref="Build"/>'s plot as a PNG, atomically; the width follows the number of tiles.</summary>
    public static void Save(string path, EventFrames frames, string what, int maxFrames = 10)
    {
        int tiles = Math.Min(frames.Frames, maxFrames);
        var plot = Build(frames, what, maxFrames);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(Math.Max(700, 90 * tiles + 150), 330, ImageFormat.Png));
    }

    /// <summary>-1 (only OFF) blue, 0 black, +1 (only ON) red.</summary>
    private sealed class PolarityColormap : IColormap
    {
        public string Name => "polarity";

        public Color GetColor(double position)
        {
            double p = Math.Clamp(position, 0, 1) * 2 - 1; // the heatmap maps ManualRange [-1, 1] to [0, 1]
            byte level = (byte)Math.Round(255 * Math.Abs(p));
            return p >= 0 ? new Color(level, 0, 0) : new Color(0, 0, level);
        }
    }
}
