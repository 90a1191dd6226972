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
        Assert.All(bars, b => Assert.True(b.CenterLabel && b.LabelOnTop && b.Value <= 100));
        Assert.Equal(["single", "cascade K=4 pow2"], plot.Legend.ManualItems.Select(i => i.LabelText));
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
