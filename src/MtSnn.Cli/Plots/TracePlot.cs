using MtSnn.IO;
using MtSnn.Neurons;
using ScottPlot;

namespace MtSnn.Cli.Plots;

/// <summary>Draws a neuron trace: x, h, v and o (in units of V_th, scaled by V_th) against t, with a line per threshold theta_k.</summary>
public static class TracePlot
{
    /// <summary>Refuses a --plot path that is not a .png file name (checked before any input is read).</summary>
    public static void CheckPath(string path)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--plot '{path}': only .png is supported");
    }

    /// <summary>
    /// Draws <paramref name="trace"/>; <paramref name="totalSteps"/> is the length of the whole input when the trace
    /// holds only its first steps (the title then says "first N of M steps").
    /// </summary>
    public static void Save(PlaygroundTrace trace, string path, long totalSteps = 0, int width = 1000, int height = 500)
    {
        CheckPath(path);
        var plot = new Plot();
        double[] t = [.. Enumerable.Range(0, trace.Steps).Select(i => (double)i)];
        double vth = trace.Options.VThreshold;
        Add(plot, t, trace.X, "x (input)", Colors.Gray, LinePattern.Dotted);
        Add(plot, t, trace.H, "h (before firing)", Colors.Blue, LinePattern.Solid);
        Add(plot, t, trace.V, "v (after reset)", Colors.Green, LinePattern.Solid);
        var o = plot.Add.Scatter(t, [.. trace.O.Select(v => v * vth)]);
        o.LegendText = "o · V_th (output)";
        o.Color = Colors.Red;
        o.ConnectStyle = ConnectStyle.StepHorizontal;
        var scales = trace.Options.ThresholdScales;
        for (int k = 0; k < scales.Length; k++)
        {
            var line = plot.Add.HorizontalLine(scales[k] * vth);
            line.Color = Colors.Orange.WithAlpha(0.7);
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = k == 0 ? "thresholds θ_k" : "";
        }
        plot.Title($"{trace.Options.Dynamics} {trace.Options.Mode.ToString().ToLowerInvariant()}, K = {trace.Options.Levels}, {trace.Options.EffectivePreset.ToString().ToLowerInvariant()}, {trace.Options.EffectiveReset.ToString().ToLowerInvariant()} reset"
            + (totalSteps > trace.Steps ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" (first {trace.Steps:N0} of {totalSteps:N0} steps)") : ""));
        plot.XLabel("t");
        plot.YLabel("potential / current");
        plot.ShowLegend(Alignment.UpperRight);
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.WriteAllBytes(path, png);
    }

    private static void Add(Plot plot, double[] t, double[] y, string label, Color color, LinePattern pattern)
    {
        var s = plot.Add.Scatter(t, y);
        s.LegendText = label;
        s.Color = color;
        s.LinePattern = pattern;
        s.MarkerSize = 3;
    }
}
