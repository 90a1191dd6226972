using System.CommandLine;
using System.Globalization;
using System.Text;
using MtSnn.Cli.Plots;
using MtSnn.IO;
using MtSnn.Neurons;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn neuron</c>: the neuron playground. Reads one input current per line, runs one reference neuron and
/// writes a CSV row per step <c>t,x,h,s1,...,sK,o,v</c> (h before firing, o the graded output in units of V_th,
/// v after reset), optionally a PNG plot.
/// </summary>
public static class NeuronCommand
{
    public static Command Create()
    {
        var neuron = new NeuronCliOptions();
        var input = new Option<string>("--input", "-i") { Description = "Input currents, one per line (optional header line 'x'); '-' reads stdin.", Required = true };
        var csv = new Option<string?>("--csv") { Description = "Where to write the CSV trace; '-' writes stdout (the default without --plot; with --plot no CSV unless asked for)." };
        var plot = new Option<string?>("--plot") { Description = "Also draw x, h, v and o against t with the threshold lines to this PNG file." };
        var cmd = new Command("neuron", "Run one multi-threshold neuron over an input current sequence and write its trace.");
        neuron.AddTo(cmd);
        cmd.Options.Add(input);
        cmd.Options.Add(csv);
        cmd.Options.Add(plot);
        cmd.SetAction(p =>
        {
            var options = neuron.Build(p);
            string inPath = p.GetValue(input)!;
            var x = inPath == "-" ? CurrentFile.Read(Console.In, "stdin") : CurrentFile.Read(inPath);
            var trace = PlaygroundTrace.Run(options, x);
            string text = ToCsv(trace);
            string? png = p.GetValue(plot);
            string? outPath = p.GetValue(csv) ?? (png is null ? "-" : null);   // stdout carries only what was asked for
            if (png is not null) TracePlot.Save(trace, png);
            if (outPath == "-") p.InvocationConfiguration.Output.Write(text);
            else if (outPath is not null) AtomicFile.WriteAllText(outPath, text);
            return 0;
        });
        return cmd;
    }

    /// <summary>The CSV: header <c>t,x,h,s1..sK,o,v</c>, values in shortest round-trip form (full precision).</summary>
    public static string ToCsv(PlaygroundTrace trace)
    {
        var sb = new StringBuilder();
        sb.Append("t,x,h,");
        for (int k = 1; k <= trace.S.Length; k++) sb.Append('s').Append(k).Append(',');
        sb.Append("o,v\n");
        for (int t = 0; t < trace.Steps; t++)
        {
            sb.Append(t).Append(',').Append(R(trace.X[t])).Append(',').Append(R(trace.H[t])).Append(',');
            foreach (var s in trace.S) sb.Append(R(s[t])).Append(',');
            sb.Append(R(trace.O[t])).Append(',').Append(R(trace.V[t])).Append('\n');
        }
        return sb.ToString();
    }

    private static string R(double v) => MtSnn.IO.RoundTripNumber.Format(v);
}
