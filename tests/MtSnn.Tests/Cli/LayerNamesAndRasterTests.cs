using System.Text;
using System.Text.Json.Nodes;
using MtSnn.Cli.Deploy;
using MtSnn.Monitoring;
using MtSnn.Neurons;
using MtSnn.Tests.TestSupport;
using TorchSharp;
using Xunit;

namespace MtSnn.Tests.Cli;

/// <summary>
/// One layer-naming scheme (the module paths of <c>named_modules()</c>, as TorchSharp gives them) in the energy report,
/// the rates of <c>mtsnn eval</c>, the TensorBoard tags, the monitor and the rasters; and <c>mtsnn eval --raster DIR</c>.
/// The expected names come from TorchSharp's <c>named_modules()</c> of the checkpoint's model, not from our code.
/// </summary>
public class LayerNamesAndRasterTests(DigitsCheckpoint fixture) : IClassFixture<DigitsCheckpoint>
{
    /// <summary>The module paths of the checkpoint model's neurons and of its convolutions and linear layers, by TorchSharp.</summary>
    private (List<string> Neurons, HashSet<string> Synaptic) ModulePaths()
    {
        using var r = ReferenceModel.Load(fixture.Checkpoint);
        var named = r.Model.named_modules().ToList();
        return ([.. named.Where(m => m.module is MultiThresholdNode).Select(m => m.name)],
            [.. named.Where(m => m.module is TorchSharp.Modules.Conv2d or TorchSharp.Modules.Linear).Select(m => m.name)]);
    }

    [Fact]
    public void Energy_report_eval_rates_tensorboard_and_monitor_use_the_same_module_paths()
    {
        var (neurons, synaptic) = ModulePaths();
        Assert.Equal(3, neurons.Count);   // digits-cnn: two conv stages and one hidden linear stage

        string dir = fixture.Dir["names-energy"];
        var energy = CliRunner.Run("energy", fixture.Checkpoint, "--limit", "10", "--out", dir);
        Assert.True(energy.ExitCode == 0, energy.ToString());
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "energy.json")))!;
        Assert.Equal(neurons, json["firing_rates"]!.AsArray().Select(l => l!["name"]!.GetValue<string>()));
        var rows = json["layers"]!.AsArray().Select(l => l!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, name => Assert.Contains(name, synaptic));
        string md = File.ReadAllText(Path.Combine(dir, "energy.md"));
        Assert.All(neurons.Concat(rows), name => Assert.Contains($"| {name} |", md));

        var eval = CliRunner.Run("eval", fixture.Checkpoint, "--max-batches", "1");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        var evalNames = eval.StdOut.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| layer", StringComparison.Ordinal))
            .Select(l => l.Split('|')[1].Trim()).ToList();
        Assert.Equal(neurons, evalNames);

        var events = Encoding.UTF8.GetString(File.ReadAllBytes(Assert.Single(Directory.GetFiles(fixture.Dir["run/tb"], "events.out.tfevents.*"))));
        Assert.All(neurons, name => Assert.Contains($"firing_rate/{name}/level1", events));

        using var r = ReferenceModel.Load(fixture.Checkpoint);
        using var monitor = NetworkMonitor.Attach(r.Model);
        Assert.Equal(neurons, monitor.Layers);
    }

    [Fact]
    public void Eval_raster_writes_one_png_per_spiking_layer_and_level()
    {
        var (neurons, _) = ModulePaths();
        string dir = fixture.Dir["rasters/deep"];
        var r = CliRunner.Run("eval", fixture.Checkpoint, "--max-batches", "1", "--raster", dir, "--raster-samples", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        var expected = neurons.SelectMany(n => Enumerable.Range(1, 4).Select(k => $"raster_{n}_level{k}.png")).Order(StringComparer.Ordinal);
        var files = Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(expected, files);
        Assert.All(Directory.GetFiles(dir), f => Assert.True(File.ReadAllBytes(f).AsSpan(1, 3).SequenceEqual("PNG"u8), f));
        Assert.Contains($"12 spike rasters in {dir}", r.StdOut);
    }

    [Fact]
    public void Bad_raster_folder_or_sample_count_is_one_line_and_writes_nothing()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["a-file"], "x");
        var r = CliRunner.Run("eval", fixture.Checkpoint, "--max-batches", "1", "--raster", tmp["a-file"]);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("mtsnn: error: ", line);
        Assert.Contains("raster folder", line);
        Assert.Equal("", r.StdOut);

        foreach (var (args, message) in new[]
                 {
                     (new[] { "--raster", tmp["new"], "--raster-samples", "0" }, "--raster-samples must be 1..256 (got 0)"),
                     (new[] { "--raster-samples", "3" }, "--raster-samples needs --raster DIR"),
                     (new[] { "--raster", tmp["new"], "--dataset", "no-such-set" }, "no-such-set"),
                 })
        {
            var bad = CliRunner.Run(["eval", fixture.Checkpoint, "--max-batches", "1", .. args]);
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains(message, Assert.Single(bad.ErrorLines));
            Assert.False(Directory.Exists(tmp["new"]), "the raster folder is made only once the inputs are good");
        }
    }
}
