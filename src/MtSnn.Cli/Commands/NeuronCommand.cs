using System.CommandLine;
using System.Text;
using MtSnn.Cli.Plots;
using MtSnn.IO;
using MtSnn.Neurons;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn neuron</c>: the neuron playground. Reads one input current per line, runs one reference neuron and
/// writes a CSV row per step <c>t,x,h,s1,...,sK,o,v</c> (h before firing, o the graded output in units of V_th,
/// v after reset), optionally a PNG plot of the first <see cref="PlotSteps"/> steps. Streams: the input is read in
/// chunks of <see cref="CurrentFile.ChunkSteps"/> steps, the membrane carried from chunk to chunk, and each chunk's rows
/// are written before the next is read, so time is linear and memory does not grow with the input.
/// </summary>
public static class NeuronCommand
{
    /// <summary>The most steps <c>--plot</c> draws (the first ones); a longer input is plotted up to here and the title says so.</summary>
    public const int PlotSteps = 20_000;

    public static Command Create()
    {
        var neuron = new NeuronCliOptions();
        var input = new Option<string>("--input", "-i") { Description = "Input currents, one per line (optional header line 'x'); '-' reads stdin. Streamed: any length.", Required = true };
        var csv = new Option<string?>("--csv") { Description = "Where to write the CSV trace; '-' writes stdout (the default without --plot; with --plot no CSV unless asked for)." };
        var plot = new Option<string?>("--plot") { Description = "Also draw x, h, v and o against t with the threshold lines to this PNG file (the first 20,000 steps; a longer input says so in the title)." };
        var cmd = new Command("neuron", "Run one multi-threshold neuron over an input current sequence and write its trace.");
        neuron.AddTo(cmd);
        cmd.Options.Add(input);
        cmd.Options.Add(csv);
        cmd.Options.Add(plot);
        cmd.SetAction(p =>
        {
            var options = neuron.Build(p);
            string inPath = p.GetValue(input)!;
            string? png = p.GetValue(plot);
            string? outPath = p.GetValue(csv) ?? (png is null ? "-" : null);   // stdout carries only what was asked for
            if (png is not null) TracePlot.CheckPath(png);
            if (inPath != "-")
            {
                // A file is checked whole first (streamed, nothing kept), so a bad line anywhere writes nothing.
                InputFile.Require(inPath, "input file");
                using var check = new StreamReader(inPath);
                foreach (var _ in CurrentFile.ReadChunks(check, inPath)) { }
            }
            // stdin cannot be read twice: rows before a bad line have gone to stdout; a --csv/--plot file is not written.
            using var reader = inPath == "-" ? null : new StreamReader(inPath);
            TextReader source = reader ?? Console.In;
            string sourceName = inPath == "-" ? "stdin" : inPath;
            var plotted = png is null ? null : new List<PlaygroundTrace>();
            long steps;
            if (outPath is null or "-")
                steps = Stream(options, source, sourceName, outPath is null ? null : p.InvocationConfiguration.Output, plotted);
            else
            {
                var folder = OutputFolder.Prepare(Path.GetDirectoryName(Path.GetFullPath(outPath))!, "--csv folder");
                try
                {
                    long n = 0;
                    AtomicFile.Write(outPath, s =>
                    {
                        using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                        n = Stream(options, source, sourceName, w, plotted);
                    });
                    steps = n;
                }
                catch
                {
                    folder.RemoveIfCreated();
                    throw;
                }
            }
            if (png is not null) TracePlot.Save(PlaygroundTrace.Concat(plotted!), png, steps);
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// Runs the neuron over <paramref name="input"/> chunk by chunk (<paramref name="chunkSteps"/> steps each), writing
    /// the CSV (header, then each chunk's rows before the next chunk is read) to <paramref name="csv"/> when given and
    /// keeping the first <see cref="PlotSteps"/> steps in <paramref name="plotted"/> when given. Returns the step count.
    /// </summary>
    public static long Stream(NeuronOptions options, TextReader input, string source, TextWriter? csv, List<PlaygroundTrace>? plotted,
        int chunkSteps = CurrentFile.ChunkSteps)
    {
        using var neuron = new PlaygroundNeuron(options);
        long t0 = 0;
        var sb = new StringBuilder();
        foreach (var x in CurrentFile.ReadChunks(input, source, chunkSteps))
        {
            var trace = neuron.Run(x);
            if (csv is not null)
            {
                sb.Clear();
                if (t0 == 0) AppendHeader(sb, trace.S.Length);
                AppendRows(sb, trace, t0);
                csv.Write(sb);
                csv.Flush();
            }
            long kept = plotted?.Sum(t => (long)t.Steps) ?? PlotSteps;
            if (kept < PlotSteps) plotted!.Add(trace.Take((int)(PlotSteps - kept)));
            t0 += x.Length;
        }
        return t0;
    }

    /// <summary>The whole CSV of one trace: header <c>t,x,h,s1..sK,o,v</c>, then its rows from t = 0.</summary>
    public static string ToCsv(PlaygroundTrace trace)
    {
        var sb = new StringBuilder();
        AppendHeader(sb, trace.S.Length);
        AppendRows(sb, trace, 0);
        return sb.ToString();
    }

    private static void AppendHeader(StringBuilder sb, int levels)
    {
        sb.Append("t,x,h,");
        for (int k = 1; k <= levels; k++) sb.Append('s').Append(k).Append(',');
        sb.Append("o,v\n");
    }

    /// <summary>Rows <c>t,x,h,s1..sK,o,v</c> with t counted from <paramref name="t0"/>; values in shortest round-trip form (full precision).</summary>
    private static void AppendRows(StringBuilder sb, PlaygroundTrace trace, long t0)
    {
        for (int t = 0; t < trace.Steps; t++)
        {
            sb.Append(t0 + t).Append(',').Append(R(trace.X[t])).Append(',').Append(R(trace.H[t])).Append(',');
            foreach (var s in trace.S) sb.Append(R(s[t])).Append(',');
            sb.Append(R(trace.O[t])).Append(',').Append(R(trace.V[t])).Append('\n');
        }
    }

    private static string R(double v) => MtSnn.IO.RoundTripNumber.Format(v);
}
