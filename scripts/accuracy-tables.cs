#!/usr/bin/env -S dotnet run --file
// The tables and plots of the accuracy study (docs/accuracy.md) from the run folders scripts/accuracy-study.sh writes.
// Usage: dotnet run --file scripts/accuracy-tables.cs -- STUDY_OUT OUT_DIR
// Runs are grouped by name without the "-sN" seed suffix (main/cascade-k4-t1-s0 and -s1 are one row). For each row:
// seeds, epochs done, test accuracy final and best (mean and sample standard deviation over seeds), train img/s,
// energy per image (mean of the runs whose energy/energy.json exists). Writes OUT_DIR/tables.md and, per group,
// OUT_DIR/<group>-test-acc.png: test accuracy per epoch, the line the mean over seeds, the band min..max over seeds.
// Only finished epochs count; a row whose runs are still going is marked "(running)".
#:package ScottPlot
#:package SkiaSharp.NativeAssets.Linux.NoDependencies
#:property TreatWarningsAsErrors=true
#:property Nullable=enable
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

if (args.Length != 2)
{
    Console.Error.WriteLine("accuracy-tables: error: usage: dotnet run --file scripts/accuracy-tables.cs -- STUDY_OUT OUT_DIR");
    return 2;
}
string study = args[0], outDir = args[1];
if (!Directory.Exists(study))
{
    Console.Error.WriteLine($"accuracy-tables: error: study folder '{study}' does not exist (the STUDY_OUT of scripts/accuracy-study.sh)");
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var runs = new List<Run>();
foreach (string groupDir in Directory.GetDirectories(study).Order())
    foreach (string runDir in Directory.GetDirectories(groupDir).Order())
    {
        string csv = Path.Combine(runDir, "metrics.csv"), summary = Path.Combine(runDir, "summary.json");
        if (!File.Exists(csv) || !File.Exists(summary)) continue;
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        int iAcc = Array.IndexOf(header, "test_acc"), iIps = Array.IndexOf(header, "img_per_s");
        if (iAcc < 0 || iIps < 0) throw new InvalidDataException($"{csv}: expected columns test_acc and img_per_s");
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        var json = JsonNode.Parse(File.ReadAllText(summary))!;
        int planned = json["config"]!["epochs"]!.GetValue<int>();
        double? energy = null;
        string energyJson = Path.Combine(runDir, "energy", "energy.json");
        if (File.Exists(energyJson))
        {
            var e = JsonNode.Parse(File.ReadAllText(energyJson))!;
            energy = e["total"]!["engine_pj"]!.GetValue<double>() / e["images"]!.GetValue<double>() / 1e6; // µJ per image
        }
        string name = Path.GetFileName(runDir);
        var m = Regex.Match(name, @"^(.*)-s(\d+)$");
        runs.Add(new Run(Path.GetFileName(groupDir), m.Success ? m.Groups[1].Value : name, m.Success ? int.Parse(m.Groups[2].Value, inv) : 0,
            json["label"]!.GetValue<string>(), planned,
            [.. rows.Select(r => double.Parse(r[iAcc], inv) * 100)], [.. rows.Select(r => double.Parse(r[iIps], inv))], energy));
    }
if (runs.Count == 0)
{
    Console.Error.WriteLine($"accuracy-tables: error: no run with metrics.csv and summary.json under '{study}'");
    return 2;
}

Directory.CreateDirectory(outDir);
var md = new StringBuilder();
foreach (var group in runs.GroupBy(r => r.Group))
{
    md.Append($"### {group.Key}\n\n| run | label | seeds | epochs done / planned | test acc final (%) | test acc best (%) | per-epoch test acc, mean over seeds (%) | train img/s | energy (µJ/image) |\n|---|---|---:|---|---:|---:|---|---:|---:|\n");
    foreach (var row in group.GroupBy(r => r.Config))
    {
        var rs = row.OrderBy(r => r.Seed).ToList();
        int common = rs.Min(r => r.Acc.Length);
        bool running = rs.Any(r => r.Acc.Length < r.Planned) || rs.Select(r => r.Acc.Length).Distinct().Count() > 1;
        string done = string.Join(", ", rs.Select(r => $"s{r.Seed}: {r.Acc.Length}/{r.Planned}"));
        // final and best are compared at the same epoch for every seed: the last epoch all seeds have finished
        var final = rs.Select(r => r.Acc[common - 1]).ToArray();
        var best = rs.Select(r => r.Acc.Take(common).Max()).ToArray();
        var perEpoch = Enumerable.Range(0, common).Select(e => rs.Average(r => r.Acc[e]).ToString("F2", inv));
        var energies = rs.Where(r => r.Energy is not null).Select(r => r.Energy!.Value).ToArray();
        md.Append($"| {row.Key}{(running ? " (running)" : "")} | {rs[0].Label} | {string.Join(",", rs.Select(r => r.Seed))} | {done} | " +
                  $"{Stat(final)} (epoch {common}) | {Stat(best)} | {string.Join(" ", perEpoch)} | {rs.Average(r => r.Ips.Average()):F0} | " +
                  $"{(energies.Length == 0 ? "—" : energies.Average().ToString("F3", inv))} |\n");
    }
    md.Append('\n');
    Plot(group.Key, group.GroupBy(r => r.Config).ToList(), Path.Combine(outDir, $"{group.Key}-test-acc.png"));
}
File.WriteAllText(Path.Combine(outDir, "tables.md"), md.ToString());
Console.Write(md);
Console.WriteLine($"wrote {Path.Combine(outDir, "tables.md")} and {string.Join(", ", runs.Select(r => r.Group).Distinct().Select(g => $"{g}-test-acc.png"))}");
return 0;

// mean ± sample standard deviation (just the value for one seed)
string Stat(double[] v) => v.Length == 1 ? v[0].ToString("F2", inv)
    : $"{v.Average().ToString("F2", inv)} ± {Math.Sqrt(v.Sum(x => (x - v.Average()) * (x - v.Average())) / (v.Length - 1)).ToString("F2", inv)}";

void Plot(string group, List<IGrouping<string, Run>> rows, string path)
{
    var plot = new ScottPlot.Plot();
    var palette = new ScottPlot.Palettes.Category10();
    for (int i = 0; i < rows.Count; i++)
    {
        var rs = rows[i].ToList();
        int n = rs.Min(r => r.Acc.Length);   // the mean is drawn only where every seed has finished the epoch
        var xs = new List<double>(); var mean = new List<double>(); var lo = new List<double>(); var hi = new List<double>();
        for (int e = 0; e < n; e++)
        {
            var at = rs.Where(r => r.Acc.Length > e).Select(r => r.Acc[e]).ToArray();
            xs.Add(e + 1); mean.Add(at.Average()); lo.Add(at.Min()); hi.Add(at.Max());
        }
        var color = palette.GetColor(i);
        if (rs.Count > 1)
        {
            var band = plot.Add.FillY([.. xs], [.. hi], [.. lo]);
            band.FillStyle.Color = color.WithAlpha(0.2);
            band.LineStyle.Width = 0;
        }
        var line = plot.Add.Scatter(xs.ToArray(), mean.ToArray());
        line.Color = color;
        line.LegendText = $"{rows[i].Key} ({rs.Count} seed{(rs.Count > 1 ? "s" : "")})";
    }
    plot.Title($"Fashion-MNIST plif-net, {group}: test accuracy per epoch (line: mean over seeds, band: min..max)");
    plot.XLabel("epoch");
    plot.YLabel("test accuracy (%)");
    plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };   // epochs are whole
    plot.ShowLegend(ScottPlot.Edge.Right);   // outside the data
    plot.SavePng(path, 1200, 600);
}

record Run(string Group, string Config, int Seed, string Label, int Planned, double[] Acc, double[] Ips, double? Energy);
