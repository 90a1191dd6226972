using System.Text.Json.Nodes;
using MtSnn.Cli;
using MtSnn.Data;
using MtSnn.Export;
using MtSnn.IO;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Runtime;
using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Cli;

/// <summary>A digits checkpoint (digits-cnn, LIF tau = 2, cascade K = 4, T = 2, 2 epochs), trained once for the deployment tests.</summary>
public sealed class DigitsCheckpoint : IDisposable
{
    public DigitsCheckpoint()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        var r = CliRunner.Run("train", "--dataset", "digits", "--model", "digits-cnn", "--epochs", "2", "--mode", "cascade", "--levels", "4",
            "--optimizer", "adam", "--lr", "1e-3", "--T", "2", "--workers", "1", "--seed", "1", "--out", Dir["run"]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"training failed: {r}");
        var e = CliRunner.Run("export", Checkpoint, "-o", Model);
        if (e.ExitCode != 0) throw new InvalidOperationException($"export failed: {e}");
    }

    public TempDir Dir { get; } = new();
    public string Checkpoint => Dir["run/last.ckpt"];
    public string Model => Dir["digits.mtsnn"];
    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// export -> infer -> energy on a trained digits checkpoint, and every bad input of the three commands (one line, exit 2).
/// </summary>
[Collection(TrainingCollection.Name)]
public class DeployCliTests(DigitsCheckpoint fixture) : IClassFixture<DigitsCheckpoint>
{
    private const int DigitsTestImages = 355;

    [Fact]
    public void Export_keeps_the_checkpoint_T_unless_told()
    {
        Assert.Equal(2, MtSnnModel.Load(fixture.Model).Graph.TimeSteps);
        string other = fixture.Dir["t3.mtsnn"];
        var r = CliRunner.Run("export", fixture.Checkpoint, "-o", other, "--T", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(3, MtSnnModel.Load(other).Graph.TimeSteps);
    }

    [Fact]
    public void Infer_matches_the_torchsharp_model_and_does_no_multiplications_in_the_spiking_layers()
    {
        string json = fixture.Dir["infer.json"];
        var r = CliRunner.Run("infer", fixture.Model, "--dataset", "digits", "--reference", fixture.Checkpoint, "--json", json, "--threads", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        var o = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        foreach (var key in new[] { "accuracy", "images", "images_per_second", "multiplications_spiking_layers", "additions", "comparisons", "energy_pj_per_image",
                     "ann_energy_pj_per_image", "agreement_with_reference", "logits_max_relative_error", "sops", "macs_first_layer", "arithmetic", "layers" })
            Assert.True(o.ContainsKey(key), $"JSON lacks '{key}'");
        Assert.Equal(DigitsTestImages, o["images"]!.GetValue<int>());
        Assert.Equal("float32", o["arithmetic"]!.GetValue<string>());
        // The trainer's own evaluation of this checkpoint (TorchSharp, eval mode, whole test set).
        double evalAccuracy = CheckpointFile.Load(fixture.Checkpoint).History[^1].TestAccuracy;
        double accuracy = o["accuracy"]!.GetValue<double>();
        Assert.True(Math.Abs(accuracy - evalAccuracy) * DigitsTestImages <= 1.0 + 1e-9, $"engine {accuracy}, TorchSharp eval {evalAccuracy}");
        Assert.True(o["agreement_with_reference"]!.GetValue<double>() >= 0.999, r.StdOut);
        // Float32 rounding differs (BN folded in float64 vs conv then BN in float32): a membrane within rounding of a
        // threshold can fire in one implementation only, which moves that image's logits by about one spike's weight.
        Assert.True(o["logits_max_relative_error"]!.GetValue<double>() < 0.05, r.StdOut);
        // LIF with tau = 2: the leak is a shift; conv/linear on spikes are additions only.
        Assert.Equal(0, o["multiplications_spiking_layers"]!.GetValue<long>());
        Assert.True(o["sops"]!.GetValue<double>() > 0);
        Assert.True(o["additions"]!.GetValue<double>() >= o["sops"]!.GetValue<double>(), "SOPs are additions");
        // One 3x3 conv 1 -> 32 on 8x8 with padding 1 charged T = 2 times: 32 x (8 + 2 x 7... ) -> valid taps per row 3*8-2 = 22, so 32 x 22 x 22 x 2.
        Assert.Equal(32.0 * 22 * 22 * 2, o["macs_first_layer"]!.GetValue<double>());
        var layers = o["layers"]!.AsArray();
        Assert.Equal(MtSnnModel.Load(fixture.Model).Graph.Layers.Length, layers.Count);
        Assert.Contains("| total |", r.StdOut);
    }

    [Fact]
    public void Integer_mode_runs_and_stays_within_a_few_points()
    {
        string jf = fixture.Dir["float.json"], ji = fixture.Dir["int.json"];
        Assert.Equal(0, CliRunner.Run("infer", fixture.Model, "--dataset", "digits", "--json", jf).ExitCode);
        var r = CliRunner.Run("infer", fixture.Model, "--dataset", "digits", "--integer", "--json", ji, "--threads", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        var f = JsonNode.Parse(File.ReadAllText(jf))!;
        var i = JsonNode.Parse(File.ReadAllText(ji))!;
        Assert.Equal("integer", i["arithmetic"]!.GetValue<string>());
        Assert.Null(i["agreement_with_reference"]);
        Assert.True(Math.Abs(f["accuracy"]!.GetValue<double>() - i["accuracy"]!.GetValue<double>()) <= 0.03, $"float {f["accuracy"]}, integer {i["accuracy"]}");
        Assert.Equal(0, i["multiplications_spiking_layers"]!.GetValue<long>());
    }

    [Fact]
    public void Energy_from_the_checkpoint_agrees_with_the_engine_and_writes_its_files()
    {
        string dir = fixture.Dir["energy"];
        var r = CliRunner.Run("energy", fixture.Checkpoint, "--limit", "100", "--out", dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var o = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "energy.json")))!;
        Assert.Equal(100, o["images"]!.GetValue<long>());
        // Exact per image wherever TorchSharp and the engine produced the same spikes (per layer and level); a spike
        // flipped by float32 rounding near a threshold is the only allowed cause of a difference, and it is rare.
        Assert.Equal(0, o["images_sops_differ_spikes_agree"]!.GetValue<int>());
        Assert.True(o["images_sops_differ"]!.GetValue<int>() <= 2, r.StdOut);
        Assert.True(o["images_sops_differ"]!.GetValue<int>() <= o["images_spikes_differ"]!.GetValue<int>());
        var total = o["total"]!;
        long engineSops = total["engine_sops"]!.GetValue<long>(), analyticSops = total["analytic_sops"]!.GetValue<long>();
        Assert.True(engineSops > 0);
        Assert.True(Math.Abs(engineSops - analyticSops) <= 1e-4 * engineSops, $"engine {engineSops}, analytic {analyticSops}");
        Assert.Equal(o["sops_agree"]!.GetValue<bool>(), o["images_sops_differ"]!.GetValue<int>() == 0);
        // ANN of the same architecture: E_MAC x MACs, MACs fixed by the architecture (exact, per image).
        Assert.Equal(4.6 * MtSnnModel.Load(fixture.Model).AnnMacs(), total["ann_pj"]!.GetValue<double>(), 6);
        Assert.True(File.ReadAllBytes(Path.Combine(dir, "energy.png")).AsSpan(1, 3).SequenceEqual("PNG"u8));
        Assert.True(File.Exists(Path.Combine(dir, "energy.md")));
    }

    [Fact]
    public void Energy_from_a_model_file_has_only_the_engine_count()
    {
        var r = CliRunner.Run("energy", fixture.Model, "--dataset", "digits", "--limit", "20", "--e-mac", "3.7", "--e-ac", "0.9");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Only the engine's exact count is available", r.StdOut);
        Assert.Contains("E_MAC = 3.7 pJ", r.StdOut);
    }

    private static void AssertBadInput(string expected, params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == CliApp.BadInput, r.ToString());
        Assert.Single(r.ErrorLines);
        Assert.StartsWith("mtsnn: error: ", r.ErrorLines[0]);
        Assert.Contains(expected, r.ErrorLines[0]);
    }

    [Fact]
    public void Missing_truncated_and_garbage_model_files_are_one_line_errors()
    {
        string truncated = fixture.Dir["truncated.mtsnn"], garbage = fixture.Dir["garbage.mtsnn"];
        var bytes = File.ReadAllBytes(fixture.Model);
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        File.WriteAllBytes(garbage, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 + 11))]);
        AssertBadInput("no-such.mtsnn", "infer", fixture.Dir["no-such.mtsnn"], "--dataset", "digits");
        AssertBadInput("", "infer", truncated, "--dataset", "digits");
        AssertBadInput("", "infer", garbage, "--dataset", "digits");
        AssertBadInput("", "energy", truncated, "--dataset", "digits");
        AssertBadInput("does not exist", "energy", fixture.Dir["no-such.ckpt"]);
        AssertBadInput("does not exist", "export", fixture.Dir["no-such.ckpt"], "-o", fixture.Dir["x.mtsnn"]);
        AssertBadInput("not a valid MtSnn checkpoint", "export", garbage, "-o", fixture.Dir["x.mtsnn"]);
        AssertBadInput("--compare-torch needs --reference", "infer", fixture.Model, "--dataset", "digits", "--compare-torch");
        AssertBadInput("--dataset NAME is required", "energy", fixture.Model);
        Assert.False(File.Exists(fixture.Dir["x.mtsnn"]));
    }

    [Fact]
    public void A_data_set_whose_images_do_not_fit_the_model_is_refused()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        using var model = ModelZoo.Create("digits-cnn", new ModelSpec(new ImageShape(1, 16, 16), 10, new NeuronOptions()));
        model.eval();
        string path = fixture.Dir["16x16.mtsnn"];
        AtomicFile.WriteAllBytes(path, ModelExporter.Export(model, 1).ToBytes());
        AssertBadInput("the model takes [1, 16, 16]", "infer", path, "--dataset", "digits");
        AssertBadInput("the model takes [1, 16, 16]", "energy", path, "--dataset", "digits");
        AssertBadInput("event data", "infer", path, "--dataset", "nmnist");
    }

    [Fact]
    public void Poisson_trained_and_unexportable_checkpoints_are_refused_by_export()
    {
        string dir = fixture.Dir["poisson"];
        var t = CliRunner.Run("train", "--dataset", "digits", "--model", "digits-cnn", "--epochs", "1", "--max-batches", "1", "--encoding", "poisson",
            "--T", "2", "--workers", "1", "--out", dir);
        Assert.True(t.ExitCode == 0, t.ToString());
        AssertBadInput("poisson encoding; the deployment engine only has direct encoding", "export", Path.Combine(dir, "last.ckpt"), "-o", fixture.Dir["p.mtsnn"]);
        AssertBadInput("poisson encoding", "energy", Path.Combine(dir, "last.ckpt"));

        // A spiking ResNet-20 whose downsampling shortcut has no engine equivalent.
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        var config = new TrainConfig { Dataset = "digits", Model = "resnet20", T = 1 }.Validate();
        using var model = ModelZoo.Create("resnet20", new ModelSpec(new ImageShape(1, 8, 8), 10, config.Neuron));
        string ckpt = fixture.Dir["resnet20.ckpt"];
        CheckpointFile.Save(ckpt, new Checkpoint
        {
            Config = config, Epoch = 0, Step = 0, StateShapes = CheckpointFile.StateShapesOf(model), ModelState = CheckpointFile.ModelBytes(model),
        });
        AssertBadInput("cannot export 'layer2.0.downsample", "export", ckpt, "-o", fixture.Dir["r.mtsnn"]);
        Assert.False(File.Exists(fixture.Dir["r.mtsnn"]));
    }
}
