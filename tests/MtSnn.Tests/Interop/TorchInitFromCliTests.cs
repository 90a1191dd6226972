using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Interop;

/// <summary><c>mtsnn train --init-from</c>: the report goes to OUT/init-from.txt (stderr names it, stdout stays the run's); refusals are one line, exit 2, no output folder.</summary>
public class TorchInitFromCliTests
{
    private static readonly string[] Quick = ["--epochs", "1", "--max-batches", "1", "--workers", "1", "--quiet"];

    private static string Fixture(string name) => Path.Combine(Repo.Root, "tests", "fixtures", "torch", name);

    private static void AssertRefused(CliRunner.Result r, string dir, params string[] parts)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("mtsnn: error: ", line);
        foreach (var p in parts) Assert.Contains(p, line);
        Assert.False(Directory.Exists(dir), $"{dir} was created");
    }

    [Fact]
    public void A_checkpoint_initialises_a_new_run_and_the_report_names_every_tensor()
    {
        using var tmp = new TempDir();
        var first = CliRunner.Run(["train", .. Quick, "--out", tmp["a"]]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var second = CliRunner.Run(["train", .. Quick, "--init-from", tmp["a/last.ckpt"], "--out", tmp["b"]]);
        Assert.True(second.ExitCode == 0, second.ToString());
        string report = File.ReadAllText(tmp["b/init-from.txt"]);
        Assert.Matches(@"^init-from .*last\.ckpt into digits-cnn \(names: MtSnn module paths\): \d+ loaded, 0 skipped, 0 missing\n", report);
        Assert.Contains("loaded  features.0.module.conv.weight -> features.0.module.conv.weight [32, 1, 3, 3]", report);
        Assert.Contains($"(report: {tmp["b/init-from.txt"]})", second.StdErr);
        Assert.DoesNotContain("loaded", second.StdOut);

        // a NIR graph of the first run: matched layer by layer, batch norm as identity + the folded bias
        var export = CliRunner.Run("export", tmp["a/last.ckpt"], "--format", "nir", "-o", tmp["m.nir"]);
        Assert.True(export.ExitCode == 0, export.ToString());
        var fromNir = CliRunner.Run(["train", .. Quick, "--init-from", tmp["m.nir"], "--out", tmp["n"]]);
        Assert.True(fromNir.ExitCode == 0, fromNir.ToString());
        string nirReport = File.ReadAllText(tmp["n/init-from.txt"]);
        Assert.Contains("loaded  features.0.module.bn.running_var -> features.0.module.bn.running_var [32]", nirReport);
        Assert.Contains("missing features.0.module.bn.num_batches_tracked", nirReport);
        AssertRefused(CliRunner.Run(["train", .. Quick, "--model", "plif-net", "--init-from", tmp["m.nir"], "--out", tmp["p"]]), tmp["p"],
            "NIR layer 1 of 4 (conv2d) has weight [32, 1, 3, 3], plif-net's features.0.module.conv.weight has [128, 1, 3, 3]");

        AssertRefused(CliRunner.Run(["train", .. Quick, "--model", "digits-mlp", "--init-from", tmp["a/last.ckpt"], "--out", tmp["c"]]), tmp["c"],
            "no tensor matches digits-mlp");
        AssertRefused(CliRunner.Run(["train", .. Quick, "--resume", "--init-from", tmp["a/last.ckpt"], "--out", tmp["a"]]), tmp["none"],
            "--init-from starts a new run; it cannot be combined with --resume");
    }

    [Fact]
    public void Bad_weight_files_are_one_line()
    {
        using var tmp = new TempDir();
        AssertRefused(CliRunner.Run(["train", .. Quick, "--init-from", Fixture("evil.pth"), "--out", tmp["o"]]), tmp["o"], "pickle global 'posix.system' is not allowed");
        AssertRefused(CliRunner.Run(["train", .. Quick, "--init-from", Fixture("torchvision_resnet18.pth"), "--out", tmp["o"]]), tmp["o"], "no tensor matches digits-cnn");
        File.WriteAllText(tmp["w.txt"], "weights");
        AssertRefused(CliRunner.Run(["train", .. Quick, "--init-from", tmp["w.txt"], "--out", tmp["o"]]), tmp["o"], "not a PyTorch state_dict (.pth/.pt written by torch.save), an MtSnn checkpoint (.ckpt) or a NIR graph (.nir)");
        AssertRefused(CliRunner.Run(["train", .. Quick, "--init-from", tmp["missing.pth"], "--out", tmp["o"]]), tmp["o"], "missing.pth");
    }
}
