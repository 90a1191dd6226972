using System.CommandLine;
using System.Globalization;
using MtSnn.Cli.Deploy;
using MtSnn.Export;
using MtSnn.IO;
using MtSnn.Runtime;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn export CKPT -o MODEL.mtsnn [--T N]</c>: the checkpoint's model in eval mode (batch norm folded into the
/// convolutions) as a <c>.mtsnn</c> file for the deployment engine, written atomically and loaded back to verify.
/// Refused with one line: Poisson-encoded or event-data checkpoints (the engine has direct encoding only), layers
/// without an engine equivalent, unreadable checkpoints.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "A .ckpt written by mtsnn train." };
        var output = new Option<string>("--output", "-o") { Description = "The .mtsnn file to write.", Required = true };
        var steps = new Option<int?>("--T") { Description = "Time steps T the engine runs (default: the checkpoint's)." };
        var data = new Option<string?>("--data") { Description = "Folder holding the checkpoint's data set (default: the checkpoint's; the test split sizes the model)." };
        var cmd = new Command("export", "Export a checkpoint to a .mtsnn model for the multiplication-free deployment engine.");
        cmd.Arguments.Add(ckpt);
        foreach (var o in new Option[] { output, steps, data }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var stdout = p.InvocationConfiguration.Output;
            string path = p.GetValue(ckpt)!, outPath = p.GetValue(output)!;
            using var loaded = ReferenceModel.Load(path, p.GetValue(data));
            int t = p.GetValue(steps) ?? loaded.Checkpoint.Config.T;
            if (t < 1) throw new ArgumentException($"--T must be >= 1 (got {t})");
            var exported = ModelExporter.Export(loaded.Model, t);
            var bytes = exported.ToBytes();
            AtomicFile.WriteAllBytes(outPath, bytes);
            var model = MtSnnModel.Load(outPath);
            _ = new Engine(model);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outPath}: {loaded.Checkpoint.Config.Model} ({loaded.Checkpoint.Config.Neuron.Dynamics} {loaded.Checkpoint.Config.Label}), input {model.Graph.InputShape}, {model.Graph.NumClasses} classes, T = {t}, {model.Graph.Layers.Length} layers, {bytes.Length / 1024.0:F1} KiB; loaded back and compiled"));
            return 0;
        });
        return cmd;
    }
}
