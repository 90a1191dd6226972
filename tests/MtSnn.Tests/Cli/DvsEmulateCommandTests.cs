using MtSnn.Data.Neuromorphic;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Cli;

public class DvsEmulateCommandTests
{
    [Fact]
    public void Emulated_digits_are_written_in_the_nmnist_layout_and_read_back()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("dvs-emulate", "--dataset", "digits", "--out", tmp["ev"], "--limit", "12", "--seed", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var split in new[] { "train", "test" })
        {
            var files = Directory.GetFiles(tmp[$"ev/{split}"], "*.bin", SearchOption.AllDirectories);
            Assert.Equal(12, files.Length);
            // DIR/{split}/{label}/NNNNN.bin with a digit label folder
            Assert.All(files, f => Assert.Matches(@"/[0-9]/[0-9]{5}\.bin$", f));
        }
        var test = new NMnistFolder(tmp["ev"], train: false);
        Assert.Equal(12, test.Count);
        var events = test.ReadEvents(0);
        Assert.True(events.Count > 100, $"a digit seen through three saccades gives many events (got {events.Count})");
        Assert.True(File.Exists(tmp["ev/preview.png"]));

        // Same seed again: every file is already there and kept.
        var again = CliRunner.Run("dvs-emulate", "--dataset", "digits", "--out", tmp["ev"], "--limit", "12", "--seed", "3");
        Assert.Contains("wrote 0 event files (24 already present)", again.StdOut);
    }

    [Theory]
    [InlineData(new[] { "--dataset", "cifar10", "--out", "x" }, "cifar10")]
    [InlineData(new[] { "--dataset", "digits", "--out", "x", "--limit", "0" }, "--limit must be >= 1")]
    [InlineData(new[] { "--dataset", "digits" }, "--out")]
    public void Bad_options_are_one_error_line(string[] args, string expected)
    {
        var r = CliRunner.Run(["dvs-emulate", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, Assert.Single(r.ErrorLines));
    }
}
