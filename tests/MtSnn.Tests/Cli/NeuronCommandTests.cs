using System.Globalization;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Cli;

/// <summary><c>mtsnn neuron</c>, the playground: the CSV it writes, the plot, and its errors.</summary>
public class NeuronCommandTests
{
    private static string Input(TempDir tmp, string text)
    {
        string path = tmp["x.txt"];
        File.WriteAllText(path, text);
        return path;
    }

    private static double[][] Rows(string csv) => csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
        .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    [Fact]
    public void Cascade_pow2_trace_matches_the_arithmetic_and_the_header_is_exact()
    {
        using var tmp = new TempDir();
        // IF, cascade, K = 2, pow2: theta = (1, 0.5), lambda = (1, 0.5), soft reset, V_th = 1.
        // t0: x = 1.6 -> H = 1.6; R1 = 1.6 >= 1 -> S1 = 1; R2 = 0.6 >= 0.5 -> S2 = 1; O = 1.5; V = 1.6 - 1.5 = 0.1
        // t1: x = 0.3 -> H = 0.4; R1 = 0.4 < 1 -> S1 = 0; R2 = 0.4 < 0.5 -> S2 = 0; O = 0;   V = 0.4
        // t2: x = 0.2 -> H = 0.6; S1 = 0; R2 = 0.6 >= 0.5 -> S2 = 1; O = 0.5; V = 0.1
        var r = CliRunner.Run("neuron", "--dynamics", "if", "--mode", "cascade", "--levels", "2", "--preset", "pow2",
                              "--input", Input(tmp, "x\n1.6\n0.3\n0.2\n"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("t,x,h,s1,s2,o,v", r.StdOut.Split('\n')[0]);
        var rows = Rows(r.StdOut);
        Assert.Equal(3, rows.Length);
        double[][] expected = [[0, 1.6, 1.6, 1, 1, 1.5, 0.1], [1, 0.3, 0.4, 0, 0, 0, 0.4], [2, 0.2, 0.6, 0, 1, 0.5, 0.1]];
        for (int t = 0; t < 3; t++)
            for (int c = 0; c < 7; c++)
                Assert.Equal(expected[t][c], rows[t][c], 12);
    }

    [Fact]
    public void Parallel_uniform_hard_reset_lif_trace()
    {
        using var tmp = new TempDir();
        // LIF tau = 2, decay_input, V_reset = 0; parallel, K = 2, uniform: theta = (1, 0.5), lambda = (0.5, 0.5); hard reset.
        // t0: H = 0 + (1.2 - 0)/2 = 0.6 -> S1 = 0, S2 = 1, O = 0.5, fired -> V = 0
        // t1: H = 0 + (0.8 - 0)/2 = 0.4 -> nothing fires, V = 0.4
        // t2: H = 0.4 + (2.0 - 0.4)/2 = 1.2 -> S1 = 1, S2 = 1, O = 1, V = 0
        var r = CliRunner.Run("neuron", "--dynamics", "lif", "--tau", "2", "--mode", "parallel", "--levels", "2",
                              "--preset", "uniform", "--reset", "hard", "--input", Input(tmp, "1.2\n0.8\n2.0\n"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var rows = Rows(r.StdOut);
        double[][] expected = [[0, 1.2, 0.6, 0, 1, 0.5, 0], [1, 0.8, 0.4, 0, 0, 0, 0.4], [2, 2.0, 1.2, 1, 1, 1, 0]];
        for (int t = 0; t < 3; t++)
            for (int c = 0; c < 7; c++)
                Assert.Equal(expected[t][c], rows[t][c], 12);
    }

    [Fact]
    public void Csv_and_png_files_are_written()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("neuron", "--mode", "cascade", "--levels", "4", "--input", Path.Combine(Repo.Root, "examples", "current.txt"),
                              "--csv", tmp["out/trace.csv"], "--plot", tmp["out/trace.png"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = File.ReadAllLines(tmp["out/trace.csv"]);
        Assert.Equal("t,x,h,s1,s2,s3,s4,o,v", lines[0]);
        Assert.Equal(File.ReadAllLines(Path.Combine(Repo.Root, "examples", "current.txt")).Length - 1, lines.Length - 1);
        byte[] png = File.ReadAllBytes(tmp["out/trace.png"]);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.True(png.Length > 10_000);
        Assert.Equal(3, Directory.GetFiles(tmp["out"]).Length + 1); // trace.csv, trace.png; no temp files left
    }

    [Theory]
    [InlineData("1\nabc\n2\n", "x.txt:2: 'abc' is not a finite number")]
    [InlineData("1\n\n2\n", "x.txt:2: empty line")]
    [InlineData("x\n", "no input values")]
    [InlineData("", "no input values")]
    [InlineData("1\nNaN\n", "x.txt:2: 'NaN' is not a finite number")]
    public void Malformed_input_is_one_error_line_with_the_line_number_and_exit_2(string text, string expected)
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("neuron", "--input", Input(tmp, text), "--csv", tmp["t.csv"]);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("mtsnn: error: ", line);
        Assert.Contains(expected, line);
        Assert.False(File.Exists(tmp["t.csv"]));
    }

    [Theory]
    [InlineData(new[] { "--mode", "single", "--levels", "3" }, "single firing needs K = 1")]
    [InlineData(new[] { "--mode", "cascade", "--levels", "0" }, "K must be >= 1")]
    [InlineData(new[] { "--mode", "cascade", "--thresholds", "0.5,1" }, "strictly descending")]
    [InlineData(new[] { "--tau", "0.5" }, "tau must be finite and > 1")]
    [InlineData(new[] { "--mode", "banana" }, "banana")]
    [InlineData(new[] { "--reset", "sideways" }, "allowed: soft, hard")]
    public void Invalid_options_are_one_error_line_and_exit_2(string[] options, string expected)
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(["neuron", "--input", Input(tmp, "1\n"), .. options]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void Missing_input_file_is_an_error()
    {
        var r = CliRunner.Run("neuron", "--input", "/nonexistent/x.txt");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("does not exist", Assert.Single(r.ErrorLines));
    }
}
