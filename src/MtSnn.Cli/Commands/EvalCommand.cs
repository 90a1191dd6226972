using System.CommandLine;
using System.Globalization;
using MtSnn.Cli.Training;
using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Native;
using MtSnn.Training;
using MtSnn.Training.Encoding;
using TorchSharp;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn eval CKPT</c>: loads a checkpoint, rebuilds its model and reports test accuracy, loss and the firing rate
/// of every level of every spiking layer. The data set, its folder, the device and the batch size may be overridden;
/// a data set whose images or classes do not fit the checkpoint's model is refused with one line.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A .ckpt written by mtsnn train (last.ckpt or best.ckpt)." };
        var dataset = new Option<string?>("--dataset") { Description = $"Data set (default: the checkpoint's): {string.Join(", ", TrainingData.DatasetNames)}." };
        var data = new Option<string?>("--data") { Description = "Folder holding the data set's files (default: the checkpoint's)." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda, cuda:N (default: cpu)." };
        var batch = new Option<int?>("--batch-size", "-b") { Description = "Batch size (default: the checkpoint's)." };
        var maxBatches = new Option<int>("--max-batches") { Description = "Evaluate at most this many batches (0 = all).", DefaultValueFactory = _ => 0 };
        var threads = CliThreads.Create();
        var cmd = new Command("eval", "Evaluate a checkpoint on a test set: accuracy, loss, firing rates.");
        cmd.Arguments.Add(ckpt);
        foreach (var o in new Option[] { dataset, data, device, batch, maxBatches, threads }) cmd.Options.Add(o);
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
            CliThreads.Apply(p, threads);
            ThreadPolicy.ApplyFor(c.Workers);
            var dev = Devices.Resolve(c.Device);
            var (test, built) = CheckpointModel.Build(ck, c, path);
            using var model = built;
            model.to(dev);
            using var loader = new DataLoader(test, new DataLoaderOptions { BatchSize = c.BatchSize, Shuffle = false, Workers = c.Workers, PinMemory = dev.type == DeviceType.CUDA });
            var r = Evaluator.Evaluate(model, loader, TrainingData.Encoder(c, test), c.CreateLoss(), dev, c.MaxBatches);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{path}: {c.Model} {c.Neuron.Dynamics} {c.Label}, epoch {ck.Epoch}, on {test.Name} ({r.Images} images): test accuracy {r.Accuracy * 100:F2}%, loss {r.Loss:F4}"));
            stdout.WriteLine();
            stdout.Write(ResultTable.Rates(r.FiringRates));
            return 0;
        });
        return cmd;
    }
}
