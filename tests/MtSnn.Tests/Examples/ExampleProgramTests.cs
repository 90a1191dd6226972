using System.Globalization;
using System.Text.RegularExpressions;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Examples;

/// <summary>Builds <c>examples/Examples.slnx</c> once (a real <c>dotnet build</c>, as a user would) for <see cref="ExampleProgramTests"/>.</summary>
public sealed class BuiltExamples
{
    public BuiltExamples()
    {
        var build = Repo.Run("dotnet", ["build", Path.Combine(Repo.Root, "examples", "Examples.slnx"), "-c", "Debug", "-m:1", "--nologo", "-v", "q"],
            timeout: TimeSpan.FromMinutes(10));
        if (build.ExitCode != 0) throw new InvalidOperationException($"building the examples failed: {build}");
    }

    public string Bin => Path.Combine(Repo.Root, "examples", "bin", "Debug");

    /// <summary>Runs example <paramref name="name"/> with <paramref name="args"/> in <paramref name="dir"/>; asserts exit 0.</summary>
    public string Run(string name, string dir, params string[] args)
    {
        var r = Repo.Run("dotnet", [Path.Combine(Bin, $"example-{name}.dll"), .. args], workingDir: dir, timeout: TimeSpan.FromMinutes(5));
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.StdOut;
    }
}

/// <summary>
/// Each program of <c>examples/</c> built and run briefly, asserting on what it prints (docs/tutorial.md shows their
/// full runs). The examples are not in MtSnn.sln: this is where they are built.
/// </summary>
public class ExampleProgramTests(BuiltExamples examples) : IClassFixture<BuiltExamples>
{
    private static double Number(string text, string pattern) =>
        double.Parse(Regex.Match(text, pattern).Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void Neuron_prints_one_row_per_step_with_the_cascade_output()
    {
        using var tmp = new TempDir();
        var lines = examples.Run("neuron", tmp.Path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);   // header, T = 8 rows, rates
        foreach (var row in lines[1..9])
        {
            var f = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double output = double.Parse(f[2], CultureInfo.InvariantCulture);
            // O = sum_k lambda_k S_k with the pow2 weights 1, 1/2, 1/4, 1/8 of a K = 4 cascade
            double expected = Enumerable.Range(0, 4).Sum(k => f[3 + k] == "1" ? Math.Pow(2, -k) : 0);
            Assert.Equal(expected, output, 3);
        }
        Assert.StartsWith("firing rate per level:", lines[9]);
        Assert.Contains(lines[1..9], l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2] != "0.000");   // it fires
    }

    [Fact]
    public void Single_vs_cascade_prints_both_accuracies()
    {
        using var tmp = new TempDir();
        var output = examples.Run("single-vs-cascade", tmp.Path, "1", "3");
        double single = Number(output, @"single\s+test accuracy ([0-9.]+) %"), cascade = Number(output, @"cascade K=4\s+test accuracy ([0-9.]+) %");
        Assert.InRange(single, 0, 100);
        Assert.InRange(cascade, 0, 100);
        Assert.Contains("features.1", output);
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));   // a Trainer without an output folder writes nothing
    }

    [Fact]
    public void Export_to_engine_predicts_what_the_library_predicts()
    {
        using var tmp = new TempDir();
        var output = examples.Run("export-to-engine", tmp.Path, "m.mtsnn", "1", "40", "4");
        Assert.True(File.Exists(tmp["m.mtsnn"]));
        Assert.Contains("engine predictions equal the library's on 40 of 40 images", output);
        Assert.Contains("multiplications in the spiking layers: 0", output);
    }

    [Fact]
    public void Energy_prints_every_synaptic_layer_and_the_total()
    {
        using var tmp = new TempDir();
        var output = examples.Run("energy", tmp.Path, "1", "10", "4");
        foreach (var layer in new[] { "features.0.module.conv", "features.2.module.conv", "classifier.0.module.1", "classifier.2.module" })
            Assert.Contains(layer, output);
        double ann = Number(output, @"total: ANN ([0-9.]+) uJ"), snn = Number(output, @"SNN ([0-9.]+) uJ per image");
        // ANN of digits-cnn: E_MAC x MACs of its four synaptic layers, fixed by the architecture (15,488 + 991,232 + 131,072 + 1,280 MACs)
        Assert.Equal(4.6 * (15488 + 991232 + 131072 + 1280) / 1e6, ann, 3);
        Assert.True(snn > 0);
    }
}
