using System.CommandLine;
using System.Globalization;
using MtSnn.Interop.Nir;
using MtSnn.IO;
using MtSnn.Runtime;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn import MODEL.nir -o MODEL.mtsnn [--T N]</c>: a NIR graph (docs/nir.md: the node set of <c>export --format nir</c>)
/// as a <c>.mtsnn</c> file for the deployment engine, validated and compiled before it is written atomically.
/// Unsupported node types, recurrence and parameters without an engine equivalent are refused with one line naming the node.
/// </summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("model") { Description = "A NIR file (HDF5)." };
        var output = new Option<string>("--output", "-o") { Description = "The .mtsnn file to write.", Required = true };
        var steps = new Option<int?>("--T") { Description = "Time steps T (default: the file's metadata mtsnn_time_steps; required when absent)." };
        var cmd = new Command("import", "Import a NIR graph into a .mtsnn model for the deployment engine.");
        cmd.Arguments.Add(input);
        foreach (var o in new Option[] { output, steps }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string path = p.GetValue(input)!, outPath = p.GetValue(output)!;
            int? t = p.GetValue(steps);
            if (t is < 1) throw new ArgumentException($"--T must be >= 1 (got {t})");
            var model = NirImporter.Read(path, t);
            var bytes = model.ToBytes();
            var loaded = MtSnnModel.Load(bytes);
            _ = new Engine(loaded);
            AtomicFile.WriteAllBytes(outPath, bytes);
            p.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outPath}: input {loaded.Graph.InputShape}, {loaded.Graph.NumClasses} classes, T = {loaded.Graph.TimeSteps}, {loaded.Graph.Layers.Length} layers ({loaded.Graph.Layers.Count(l => l is MtSnn.Runtime.Graph.NeuronLayerSpec)} neuron layers), {bytes.Length / 1024.0:F1} KiB; compiled"));
            return 0;
        });
        return cmd;
    }
}
