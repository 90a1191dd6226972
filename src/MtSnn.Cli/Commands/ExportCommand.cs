using System.CommandLine;
using System.Globalization;
using MtSnn.Cli.Deploy;
using MtSnn.Export;
using MtSnn.Interop.Nir;
using MtSnn.IO;
using MtSnn.Runtime;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn export CKPT -o MODEL.mtsnn [--T N] [--format mtsnn|nir]</c>: the checkpoint's model in eval mode (batch norm
/// folded into the convolutions) as a <c>.mtsnn</c> file for the deployment engine, written atomically and loaded back to
/// verify; or (<c>--format nir</c>) as a NIR graph (docs/nir.md), read back and imported to verify.
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
        var format = new Option<string>("--format") { Description = "mtsnn: the deployment engine's file; nir: the Neuromorphic Intermediate Representation (HDF5, docs/nir.md).", DefaultValueFactory = _ => "mtsnn" };
        format.AcceptOnlyFromAmong("mtsnn", "nir");
        var cmd = new Command("export", "Export a checkpoint to a .mtsnn model for the multiplication-free deployment engine, or to NIR.");
        cmd.Arguments.Add(ckpt);
        foreach (var o in new Option[] { output, steps, data, format }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var stdout = p.InvocationConfiguration.Output;
            string path = p.GetValue(ckpt)!, outPath = p.GetValue(output)!;
            using var loaded = ReferenceModel.Load(path, p.GetValue(data));
            int t = p.GetValue(steps) ?? loaded.Checkpoint.Config.T;
            if (t < 1) throw new ArgumentException($"--T must be >= 1 (got {t})");
            var exported = ModelExporter.Export(loaded.Model, t);
            if (p.GetValue(format) == "nir")
            {
                var nir = NirExporter.Export(exported, $"'{path}'");
                NirFile.Write(outPath, nir);
                var back = NirImporter.Read(outPath);
                _ = new Engine(MtSnnModel.Load(back.ToBytes()));
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {outPath}: NIR {NirGraph.Version}, {nir.Nodes.Length} nodes, {nir.Edges.Length} edges ({loaded.Checkpoint.Config.Model}, {loaded.Checkpoint.Config.Neuron.Dynamics} {loaded.Checkpoint.Config.Label}, T = {t}, dt = {NirConventions.Dt}); read back and imported"));
                return 0;
            }
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
