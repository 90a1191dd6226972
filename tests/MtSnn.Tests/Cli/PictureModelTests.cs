using MtSnn.Cli.Deploy;
using MtSnn.Cli.Plots;
using MtSnn.Cli.Training;
using MtSnn.Data.Neuromorphic;
using ScottPlot;
using Xunit;

namespace MtSnn.Tests.Cli;

/// <summary>What can be checked of the pictures without pixels: axis scales and limits, ticks, legend entries, titles.</summary>
public class PictureModelTests
{
    [Theory]
    [InlineData(new[] { 0.003, 20.0 }, -3, 2)]
    [InlineData(new[] { 1.0, 10.0 }, 0, 1)]
    [InlineData(new[] { 5.0, 5.0 }, 0, 1)]          // one value: still one whole decade
    [InlineData(new[] { 0.0, 0.25, 400.0 }, -1, 3)] // zero has no bar and does not drag the axis to -infinity
    public void Energy_axis_spans_the_whole_decades_around_the_values(double[] values, double low, double high) =>
        Assert.Equal((low, high), EnergyPlot.Decades(values));

    [Theory]
    [InlineData(-3, "0.001")]
    [InlineData(0, "1")]
    [InlineData(2, "100")]
    [InlineData(-6, "1e-06")]
    [InlineData(5, "1e+05")]
    public void Energy_decade_labels_read_as_plain_numbers(int decade, string label) =>
        Assert.Equal(label, EnergyPlot.DecadeLabel(decade));

    private static SweepRow Row(string mode, int k, int t, double acc) => new(mode, k, mode == "single" ? "-" : "pow2", t, acc, acc, 1, 1, 1);

    [Fact]
    public void Sweep_accuracy_axis_ends_at_100_percent_and_labels_sit_inside_the_bars()
    {
        var rows = new[] { Row("single", 1, 1, 0.9912), Row("cascade", 4, 1, 0.9987), Row("single", 1, 4, 0.9950), Row("cascade", 4, 4, 0.9950) };
        var plot = SweepRunner.BuildPlot(rows);
        var limits = plot.Axes.GetLimits();
        Assert.Equal(100, limits.Top);
        Assert.Equal(80, limits.Bottom); // 99.12 -> decade 90, 10 below
        var bars = Assert.Single(plot.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>()).Bars;
        Assert.Equal(4, bars.Count);
        Assert.All(bars, b => Assert.True(b.Value <= 100));
        // one value label per bar, inside it (between the axis floor and the bar's top)
        var labels = plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().ToList();
        Assert.Equal(["99.12", "99.87", "99.50", "99.50"], labels.Select(l => l.LabelText));
        Assert.All(labels.Zip(bars), p => Assert.True(p.First.Location.X == p.Second.Position && p.First.Location.Y > 80 && p.First.Location.Y < p.Second.Value));
        Assert.Equal(["single", "cascade K=4 pow2"], plot.Legend.ManualItems.Select(i => i.LabelText));
    }

    [Fact]
    public void Sweep_accuracy_bars_show_their_values_in_white_inside_each_bar()
    {
        // pixels, not the model: the model said "labels inside the bars" while the PNG showed none
        var rows = new[] { Row("single", 1, 1, 0.9912), Row("cascade", 4, 1, 0.9987), Row("single", 1, 4, 0.9950), Row("cascade", 4, 4, 0.9950) };
        var plot = SweepRunner.BuildPlot(rows);
        byte[] png = plot.GetImageBytes(1000, 500, ImageFormat.Png);
        File.WriteAllBytes(Path.Combine(Path.GetTempPath(), "mtsnn-sweep-labels.png"), png);
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        var bars = Assert.Single(plot.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>()).Bars;
        foreach (var bar in bars)
        {
            var topLeft = plot.GetPixel(new Coordinates(bar.Position - bar.Size / 2, bar.Value));
            var bottomRight = plot.GetPixel(new Coordinates(bar.Position + bar.Size / 2, plot.Axes.GetLimits().Bottom));
            int white = 0, inside = 0;
            for (int y = (int)topLeft.Y + 2; y < (int)bottomRight.Y - 2; y++)
                for (int x = (int)topLeft.X + 2; x < (int)bottomRight.X - 2; x++)
                {
                    var c = bitmap.GetPixel(x, y);
                    inside++;
                    if (c.Red > 230 && c.Green > 230 && c.Blue > 230) white++;
                }
            Assert.True(inside > 1000, $"bar at {bar.Position} covers only {inside} pixels");
            Assert.True(white >= 30, $"bar at {bar.Position} ({bar.Label}) has {white} white label pixels of {inside}");
        }
    }

    [Fact]
    public void Dvs_preview_has_axes_a_title_one_tile_per_bin_and_a_polarity_legend()
    {
        var f = new EventFrames(3, 4, 5);
        f[0, 1, 0, 0] = 2; // ON
        f[1, 0, 3, 4] = 1; // OFF
        var plot = DvsPreviewPlot.Build(f, "sample 0 (label 7)");
        Assert.Equal(3, plot.GetPlottables().OfType<ScottPlot.Plottables.Heatmap>().Count());
        Assert.Equal("Emulated events: sample 0 (label 7)", plot.Axes.Title.Label.Text);
        Assert.StartsWith("time bin", plot.Axes.Bottom.Label.Text);
        Assert.Equal("row (pixels, 0 = top)", plot.Axes.Left.Label.Text);
        var legend = plot.Legend.ManualItems;
        Assert.Equal([DvsPreviewPlot.OnText, DvsPreviewPlot.OffText], legend.Select(i => i.LabelText));
        Assert.Equal([DvsPreviewPlot.On, DvsPreviewPlot.Off], legend.Select(i => i.FillColor));
        Assert.NotEqual(DvsPreviewPlot.On, DvsPreviewPlot.Off);
        // the heatmaps' colours: +1 (only ON) is the legend's ON colour, -1 the OFF colour, 0 black
        var map = plot.GetPlottables().OfType<ScottPlot.Plottables.Heatmap>().First().Colormap;
        Assert.Equal(DvsPreviewPlot.On, map.GetColor(1));
        Assert.Equal(DvsPreviewPlot.Off, map.GetColor(0));
        Assert.Equal(Colors.Black, map.GetColor(0.5));
    }
}
