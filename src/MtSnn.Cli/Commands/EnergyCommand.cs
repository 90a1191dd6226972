using System.CommandLine;
using System.Text.Json;
using MtSnn.Cli.Deploy;
using MtSnn.Export;
using MtSnn.IO;
using MtSnn.Runtime;
using MtSnn.Runtime.Counting;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn energy CKPT|MODEL.mtsnn</c>: energy per layer and in total (MT-SNN.md §4). From a checkpoint: the analytic
/// estimate from spikes measured on the TorchSharp model and the engine's exact count on the same images (they must
/// agree), each against the ANN of the same architecture, plus the I-LIF integer-count convention. From a .mtsnn file
/// only the engine's count. Markdown on stdout and, with <c>--out DIR</c>, energy.md, energy.json and energy.png.
/// </summary>
public static class EnergyCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("model") { Description = "A checkpoint (.ckpt, analytic + engine counts) or a .mtsnn file (engine count only)." };
        var dataset = new Option<string?>("--dataset") { Description = "Data set whose test split to count on (default for a checkpoint: its own; required for a .mtsnn)." };
        var data = new Option<string?>("--data") { Description = "Folder holding the data set's files." };
        var limit = new Option<int>("--limit") { Description = "Count on at most N test images (0 = all).", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string?>("--out", "-o") { Description = "Folder for energy.md, energy.json and energy.png." };
        var eMac = new Option<double>("--e-mac") { Description = "Energy of a multiply-accumulate in pJ.", DefaultValueFactory = _ => 4.6 };
        var eAc = new Option<double>("--e-ac") { Description = "Energy of an accumulate in pJ.", DefaultValueFactory = _ => 0.9 };
        var threads = new Option<int>("--threads") { Description = "Engine threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("energy", "Energy per layer: analytic estimate from measured spikes vs the engine's exact count vs the ANN.");
        cmd.Arguments.Add(source);
        foreach (var o in new Option[] { dataset, data, limit, outDir, eMac, eAc, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var stdout = p.InvocationConfiguration.Output;
            string path = p.GetValue(source)!;
            var energy = new EnergyModel(p.GetValue(eMac), p.GetValue(eAc));
            MtSnn.IO.InputFile.Require(path, "input");
            MtSnnModel model;
            DeploymentImages images;
            SopEstimate? analytic = null;
            OpCounts counts;
            ImageCheck? check = null;
            if (IsCheckpoint(path))
            {
                using var r = ReferenceModel.Load(path, p.GetValue(dataset) is null ? p.GetValue(data) : null);
                var exported = ModelExporter.Export(r.Model, r.Checkpoint.Config.T);
                model = MtSnnModel.Load(exported.ToBytes());
                string name = p.GetValue(dataset) ?? r.Checkpoint.Config.Dataset;
                string? dir = p.GetValue(data) ?? (p.GetValue(dataset) is null ? r.Checkpoint.Config.DataDir : null);
                images = DeployData.Open(name, dir, model, p.GetValue(limit));
                var run = EngineRun.Run(new Engine(model), images, p.GetValue(threads));
                counts = run.Counts!;
                var referenceLogits = new float[run.Logits.Length];
                analytic = AnalyticCount.Measure(r.Model, exported, model, images, referenceLogits: referenceLogits);
                check = ImageCheck.Compute(analytic, run, referenceLogits, model.Graph.NumClasses);
            }
            else
            {
                model = MtSnnModel.Load(path);
                string name = p.GetValue(dataset) ?? throw new UsageException("--dataset NAME is required for a .mtsnn model (a checkpoint knows its own)");
                images = DeployData.Open(name, p.GetValue(data), model, p.GetValue(limit));
                counts = EngineRun.Run(new Engine(model), images, p.GetValue(threads)).Counts!;
            }
            var table = new EnergyTable(model, counts, analytic, energy, check);
            string md = table.Markdown($"Energy of {Path.GetFileName(path)} on {images.Name}");
            stdout.Write(md);
            if (p.GetValue(outDir) is { } dirOut)
            {
                Directory.CreateDirectory(dirOut);
                AtomicFile.WriteAllText(Path.Combine(dirOut, "energy.md"), md);
                AtomicFile.WriteAllText(Path.Combine(dirOut, "energy.json"), table.Json(path).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                EnergyPlot.Save(table, Path.Combine(dirOut, "energy.png"));
                stdout.WriteLine($"\nwrote {dirOut}: energy.md, energy.json, energy.png");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>A checkpoint starts with the magic <c>MTSNNCK1</c>; anything else is read as a .mtsnn model.</summary>
    private static bool IsCheckpoint(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var f = File.OpenRead(path);
        return f.ReadAtLeast(head, 8, throwOnEndOfStream: false) == 8 && head.SequenceEqual("MTSNNCK1"u8);
    }
}
