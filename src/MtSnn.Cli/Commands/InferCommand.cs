using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtSnn.Cli.Deploy;
using MtSnn.Export;
using MtSnn.IO;
using MtSnn.Runtime;
using MtSnn.Runtime.Counting;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn infer MODEL.mtsnn --dataset NAME</c>: runs the deployment engine on the test split (direct encoding of
/// the raw [0, 1] pixels, as the trainer feeds them), in parallel over images, and reports accuracy, throughput,
/// every operation per layer and the energy estimate. <c>--reference CKPT</c> compares predictions and logits with
/// the TorchSharp model; <c>--compare-torch</c> also times TorchSharp eval at batch 1 and 64 against the engine.
/// </summary>
public static class InferCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var modelArg = new Argument<string>("model") { Description = "A .mtsnn file written by mtsnn export." };
        var dataset = new Option<string>("--dataset") { Description = "Data set whose test split to run (digits, fashion-mnist, mnist, cifar10, ...).", Required = true };
        var data = new Option<string?>("--data") { Description = "Folder holding the data set's files." };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var reference = new Option<string?>("--reference") { Description = "A checkpoint to compare with: the TorchSharp model in eval mode on the same images." };
        var integer = new Option<bool>("--integer") { Description = "Integer fixed-point arithmetic instead of float32." };
        var limit = new Option<int>("--limit") { Description = "Run at most N test images (0 = all).", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var compare = new Option<bool>("--compare-torch") { Description = "Also time TorchSharp eval (batch 1 and 64) and the engine on one thread on the same images (needs --reference)." };
        var cmd = new Command("infer", "Run a .mtsnn model with the multiplication-free engine on a test set: accuracy, throughput, operation counts, energy.");
        cmd.Arguments.Add(modelArg);
        foreach (var o in new Option[] { dataset, data, json, reference, integer, limit, threads, compare }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var stdout = p.InvocationConfiguration.Output;
            string path = p.GetValue(modelArg)!;
            if (p.GetValue(threads) < 1) throw new ArgumentException($"--threads must be >= 1 (got {p.GetValue(threads)})");
            if (p.GetValue(compare) && p.GetValue(reference) is null) throw new UsageException("--compare-torch needs --reference CKPT (the TorchSharp model to time)");
            var model = MtSnnModel.Load(path);
            var images = DeployData.Open(p.GetValue(dataset)!, p.GetValue(data), model, p.GetValue(limit));
            var arithmetic = p.GetValue(integer) ? EngineArithmetic.Integer : EngineArithmetic.Float32;
            // Throughput over many images: one image per thread, no intra-op threads (they would oversubscribe the cores).
            var engine = new Engine(model, new EngineOptions(arithmetic, intraOpThreads: 1));
            var run = EngineRun.Run(engine, images, p.GetValue(threads));
            var counts = run.Counts!;
            var energyModel = new EnergyModel();
            var energy = energyModel.Evaluate(counts, model);
            double accuracy = run.Accuracy(images.Labels);
            string mode = arithmetic == EngineArithmetic.Integer ? "integer" : "float32";

            stdout.WriteLine(string.Create(Inv, $"{path} on {images.Name} ({images.Count} images, {mode}, T = {model.Graph.TimeSteps}): accuracy {accuracy * 100:F2}%, {run.ImagesPerSecond:F1} img/s on {p.GetValue(threads)} thread(s) (counting)"));
            stdout.WriteLine(string.Create(Inv, $"multiplications in the spiking layers: {CountsReport.SpikingMultiplications(counts)} over all {counts.Inferences} images (read-out: {counts.ReadoutMultiplications / counts.Inferences} per image)"));
            ReferenceComparison? cmp = null;
            ThroughputComparison? speed = null;
            if (p.GetValue(reference) is { } ckpt)
            {
                using var r = ReferenceModel.Load(ckpt);
                var s = r.Model.Spec.Input;
                if (s.Channels != model.Graph.InputShape.C || s.Height != model.Graph.InputShape.H || s.Width != model.Graph.InputShape.W || r.Model.Spec.NumClasses != model.Graph.NumClasses)
                    throw new ArgumentException($"--reference '{ckpt}' is a model for [{s.Channels}, {s.Height}, {s.Width}] with {r.Model.Spec.NumClasses} classes; {path} takes {model.Graph.InputShape} with {model.Graph.NumClasses}");
                ReferenceNeuronCheck.Require(r.Model, ckpt, model.Graph, path);
                cmp = ReferenceComparison.Compute(r.Model, model.Graph.TimeSteps, images, run);
                stdout.WriteLine(string.Create(Inv, $"reference {ckpt} (TorchSharp eval): accuracy {cmp.ReferenceAccuracy * 100:F2}%, same prediction on {cmp.Agreement * 100:F2}% of images, max relative logit error {cmp.LogitsMaxRelativeError:E2}"));
                if (p.GetValue(compare))
                {
                    speed = ThroughputComparison.Measure(r.Model, model.Graph.TimeSteps, model, arithmetic, images);
                    stdout.WriteLine(string.Create(Inv, $"throughput on {speed.Images} images, batch 1: engine {speed.EngineBatch1:F1} img/s ({speed.TorchThreads} intra-op threads), {speed.EngineBatch1SingleThread:F1} img/s (1 thread); TorchSharp eval ({speed.TorchThreads} threads) batch 1: {speed.TorchBatch1:F1} img/s, batch 64: {speed.TorchBatch64:F1} img/s"));
                }
            }
            stdout.WriteLine();
            stdout.Write(CountsReport.Markdown(model, counts));
            stdout.WriteLine();
            stdout.WriteLine(CountsReport.EnergyLine(energy, energyModel));

            if (p.GetValue(json) is { } jsonPath)
            {
                double n = counts.Inferences;
                var o = new JsonObject
                {
                    ["model"] = path, ["dataset"] = images.Name, ["arithmetic"] = mode, ["time_steps"] = model.Graph.TimeSteps,
                    ["images"] = images.Count, ["accuracy"] = accuracy, ["images_per_second"] = run.ImagesPerSecond, ["threads"] = p.GetValue(threads),
                    ["multiplications_spiking_layers"] = CountsReport.SpikingMultiplications(counts),
                    ["additions"] = counts.Additions / n, ["comparisons"] = counts.Comparisons / n, ["sops"] = counts.Sops / n,
                    ["integer_sops"] = counts.IntegerSops / n, ["macs_first_layer"] = counts.MacsConvention / n,
                    ["readout_multiplications"] = counts.ReadoutMultiplications / n,
                    ["energy_pj_per_image"] = energy.SnnPicojoules, ["energy_integer_convention_pj_per_image"] = energy.SnnIntegerConventionPicojoules,
                    ["ann_energy_pj_per_image"] = energy.AnnPicojoules, ["ann_macs"] = energy.AnnMacs,
                    ["agreement_with_reference"] = cmp?.Agreement, ["logits_max_relative_error"] = cmp?.LogitsMaxRelativeError,
                    ["reference_accuracy"] = cmp?.ReferenceAccuracy,
                    ["counts_note"] = "additions, comparisons, sops, integer_sops, macs_first_layer, readout_multiplications: per image; multiplications_spiking_layers, totals and layers: sums over all images",
                    ["totals"] = CountsReport.TotalsJson(counts),
                    ["energy"] = CountsReport.EnergyJson(energy),
                    ["layers"] = CountsReport.LayersJson(model, counts),
                };
                if (speed is not null)
                {
                    o["images_per_second_batch1"] = speed.EngineBatch1;
                    o["images_per_second_batch1_single_thread"] = speed.EngineBatch1SingleThread;
                    o["torch_images_per_second_batch1"] = speed.TorchBatch1;
                    o["torch_images_per_second_batch64"] = speed.TorchBatch64;
                    o["torch_threads"] = speed.TorchThreads;
                    o["throughput_images"] = speed.Images;
                    o["firing_rates"] = new JsonArray([.. counts.Layers.Where(l => l.NeuronSteps > 0).Select(l => (JsonNode?)new JsonObject { ["index"] = l.Index, ["firing_rate"] = l.FiringRate })]);
                }
                AtomicFile.WriteAllText(jsonPath, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                stdout.WriteLine($"wrote {jsonPath}");
            }
            return 0;
        });
        return cmd;
    }
}
