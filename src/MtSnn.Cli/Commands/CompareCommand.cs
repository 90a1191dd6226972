using System.CommandLine;
using MtSnn.Cli.Training;
using MtSnn.Neurons;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn compare</c>: trains every combination of <c>--modes</c> x <c>--levels-list</c> x <c>--T-list</c> with the
/// same data, model, seed and recipe (all <c>train</c> options apply; the lists replace --mode, --levels and --T) and
/// prints a markdown table; <c>--out DIR</c> also gets report.md, results.json, accuracy.png and each run's files.
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var options = new TrainCliOptions();
        var modes = new Option<string>("--modes") { Description = "Firing modes to compare, comma-separated: single, parallel, cascade.", DefaultValueFactory = _ => "single,parallel,cascade" };
        var levels = new Option<string>("--levels-list") { Description = "Levels K for parallel and cascade, comma-separated (single always uses K = 1).", DefaultValueFactory = _ => "4" };
        var steps = new Option<string>("--T-list") { Description = "Time steps T, comma-separated.", DefaultValueFactory = _ => "1,4" };
        var outDir = new Option<string?>("--out", "-o") { Description = "Output folder (report.md, results.json, accuracy.png, runs/)." };
        var cmd = new Command("compare", "Train a sweep over firing modes, levels and time steps and compare test accuracy.");
        options.AddTo(cmd);
        foreach (var o in new Option[] { modes, levels, steps, outDir }) cmd.Options.Add(o);
        cmd.SetAction(p0 =>
        {
            var input = options.WithConfig(cmd, p0);
            var stdout = p0.InvocationConfiguration.Output;
            var modeList = input.GetValue(modes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(m => Enum.TryParse<FiringMode>(m, ignoreCase: true, out var f) && !int.TryParse(m, out _) ? f : throw new ArgumentException($"--modes: unknown mode '{m}' (allowed: single, parallel, cascade)")).Distinct().ToArray();
            var levelList = TrainCliOptions.IntList(input.GetValue(levels)!, "--levels-list");
            var stepList = TrainCliOptions.IntList(input.GetValue(steps)!, "--T-list");
            if (modeList.Length == 0 || levelList.Length == 0 || stepList.Length == 0) throw new ArgumentException("--modes, --levels-list and --T-list must each name at least one value");
            if (levelList.Any(k => k < 1)) throw new ArgumentException($"--levels-list: every K must be >= 1 (got {string.Join(",", levelList)})");
            if (stepList.Any(t => t < 1)) throw new ArgumentException($"--T-list: every T must be >= 1 (got {string.Join(",", stepList)})");
            var baseConfig = options.Build(input);
            var preset = options.Given(input, "preset") ? baseConfig.Neuron.Preset : null;
            var configs = SweepRunner.Grid(baseConfig, modeList, levelList, stepList, preset);
            string? dir = input.GetValue(outDir);
            var rows = SweepRunner.Run(configs, dir, stdout);
            string table = SweepRunner.Markdown(rows);
            stdout.WriteLine();
            stdout.Write(table);
            if (dir is not null)
            {
                SweepRunner.Write(dir, rows, $"# mtsnn compare: {baseConfig.Model} on {baseConfig.Dataset}\n\n{baseConfig.Neuron.Dynamics} neurons, {baseConfig.Epochs} epochs, batch {baseConfig.BatchSize}, {baseConfig.Optimizer} lr {baseConfig.Lr}, {baseConfig.Schedule} schedule, loss {baseConfig.Loss}, encoding {baseConfig.Encoding}, seed {baseConfig.Seed}.", "");
                stdout.WriteLine($"\nwrote {dir}: report.md, results.json, accuracy.png, runs/");
            }
            return 0;
        });
        return cmd;
    }
}
