using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Cli;

/// <summary>What a user reads: usage names the command mtsnn, a bad number names the option and the kind, stdout carries only what was asked for.</summary>
public class CliWordingTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("neuron")]
    [InlineData("eval")]
    public void Usage_names_mtsnn_not_the_assembly(string command)
    {
        var r = CliRunner.Run(command, "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"  mtsnn {command} ", r.StdOut);
        Assert.DoesNotContain("MtSnn.Cli", r.StdOut);
    }

    [Theory]
    [InlineData("--epochs: 'x' is not an integer", "train", "--epochs", "x")]
    [InlineData("--lr: 'abc' is not a number", "train", "--lr", "abc")]
    [InlineData("--levels: '1.5' is not an integer", "neuron", "--levels", "1.5", "--input", "-")]
    [InlineData("--seed: '9999999999999999999999' is not an integer", "train", "--seed", "9999999999999999999999")]
    public void A_bad_number_names_the_option_and_the_kind(string expected, params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith($"mtsnn: error: {expected} (see 'mtsnn {args[0]} --help')", line);
        Assert.DoesNotContain("System.", line);
    }

    [Fact]
    public void Neuron_with_plot_writes_no_csv_to_stdout_unless_asked()
    {
        using var tmp = new TempDir();
        string input = Path.Combine(Repo.Root, "examples", "current.txt");
        var r = CliRunner.Run("neuron", "--input", input, "--plot", tmp["a.png"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.StdOut);
        Assert.True(File.Exists(tmp["a.png"]));
        r = CliRunner.Run("neuron", "--input", input, "--plot", tmp["b.png"], "--csv", "-");
        Assert.StartsWith("t,x,h,s1,o,v", r.StdOut);
        r = CliRunner.Run("neuron", "--input", input);
        Assert.StartsWith("t,x,h,s1,o,v", r.StdOut);
    }
}
