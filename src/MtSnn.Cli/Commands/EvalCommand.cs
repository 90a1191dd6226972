using System.CommandLine;
using System.Globalization;
using MtSnn.Cli.Plots;
using MtSnn.Cli.Training;
using MtSnn.Data;
using MtSnn.IO;
using MtSnn.Models;
using MtSnn.Monitoring;
using MtSnn.Native;
using MtSnn.Training;
using MtSnn.Training.Encoding;
using TorchSharp;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn eval CKPT</c>: loads a checkpoint, rebuilds its model and reports test accuracy, loss and the firing rate
/// of every level of every spiking layer. The data set, its folder, the device and the batch size may be overridden;
/// a data set whose images or classes do not fit the checkpoint's model is refused with one line. <c>--raster DIR</c>
/// also writes a spike raster per spiking layer and level of the first test samples (<see cref="RasterPlot"/>).
/// </summary>
public static class EvalCommand
{
    private const int MaxRasterSamples = 256, DefaultRasterSamples = 4, DefaultRasterSamplesT1 = 32;

    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A .ckpt written by mtsnn train (last.ckpt or best.ckpt)." };
        var dataset = new Option<string?>("--dataset") { Description = $"Data set (default: the checkpoint's): {string.Join(", ", TrainingData.DatasetNames)}." };
        var data = new Option<string?>("--data") { Description = "Folder holding the data set's files (default: the checkpoint's)." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda, cuda:N (default: cpu)." };
        var batch = new Option<int?>("--batch-size", "-b") { Description = "Batch size (default: the checkpoint's)." };
        var maxBatches = new Option<int>("--max-batches") { Description = "Evaluate at most this many batches (0 = all).", DefaultValueFactory = _ => 0 };
        var raster = new Option<string?>("--raster") { Description = "Also write spike rasters (per spiking layer and level: neuron vs time step of the first test samples) as raster_LAYER_levelK.png into DIR.", HelpName = "DIR" };
        var rasterSamples = new Option<int?>("--raster-samples") { Description = $"Test samples in each raster, 1..{MaxRasterSamples} (default {DefaultRasterSamples} at T > 1, {DefaultRasterSamplesT1} at T = 1, where each sample is one column).", HelpName = "N" };
        var threads = CliThreads.Create();
        var cmd = new Command("eval", "Evaluate a checkpoint on a test set: accuracy, loss, firing rates.");
        cmd.Arguments.Add(ckpt);
        foreach (var o in new Option[] { dataset, data, device, batch, maxBatches, raster, rasterSamples, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var stdout = p.InvocationConfiguration.Output;
            string path = p.GetValue(ckpt)!;
            var ck = CheckpointFile.Load(path);
            var c = ck.Config with
            {
                Dataset = p.GetValue(dataset) ?? ck.Config.Dataset,
                DataDir = p.GetValue(data) ?? (p.GetValue(dataset) is null ? ck.Config.DataDir : null),
                Device = p.GetValue(device) ?? "cpu",
                BatchSize = p.GetValue(batch) ?? ck.Config.BatchSize,
                MaxBatches = p.GetValue(maxBatches),
            };
            c.Validate();
            string? rasterDir = p.GetValue(raster);
            int? samples = p.GetValue(rasterSamples);
            if (samples is { } n && n is < 1 or > MaxRasterSamples) throw new ArgumentException($"--raster-samples must be 1..{MaxRasterSamples} (got {n})");
            if (samples is not null && rasterDir is null) throw new ArgumentException("--raster-samples needs --raster DIR");
            if (rasterDir is { Length: 0 }) throw new ArgumentException("--raster needs a folder name");
            CliThreads.Apply(p, threads);
            ThreadPolicy.ApplyFor(c.Workers);
            var dev = Devices.Resolve(c.Device);
            var (test, built) = CheckpointModel.Build(ck, c, path);
            using var model = built;
            model.to(dev);
            using var loader = new DataLoader(test, new DataLoaderOptions { BatchSize = c.BatchSize, Shuffle = false, Workers = c.Workers, PinMemory = dev.type == DeviceType.CUDA });
            var folder = rasterDir is null ? null : OutputFolder.Prepare(rasterDir, "raster folder");   // inputs are known good now
            IReadOnlyList<string> rasters = [];
            EvalResult r;
            try
            {
                r = Evaluator.Evaluate(model, loader, TrainingData.Encoder(c, test), c.CreateLoss(), dev, c.MaxBatches);
                if (folder is not null)
                {
                    var options = new MonitorOptions { MaxSamples = samples ?? (c.T > 1 ? DefaultRasterSamples : DefaultRasterSamplesT1), MaxSteps = MonitorOptions.Limit };
                    var monitor = ModelRecording.FirstSamples(model, loader, TrainingData.Encoder(c, test), dev, options);
                    rasters = RasterPlot.SaveAll(monitor, folder.Dir);
                }
            }
            catch
            {
                folder?.RemoveIfCreated();
                throw;
            }
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{path}: {c.Model} {c.Neuron.Dynamics} {c.Label}, epoch {ck.Epoch}, on {test.Name} ({r.Images} images): test accuracy {r.Accuracy * 100:F2}%, loss {r.Loss:F4}"));
            stdout.WriteLine();
            stdout.Write(ResultTable.Rates(r.FiringRates));
            if (folder is not null) stdout.WriteLine($"{rasters.Count} spike rasters in {folder.Dir}");
            return 0;
        });
        return cmd;
    }
}
