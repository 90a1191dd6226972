using System.CommandLine;
using MtSnn.Cli.Training;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Training;

public class Tf32CliTests
{
    public Tf32CliTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Tf32Option_ParsesOnOff_DefaultsToNull_AndSurvivesASavedConfig()
    {
        var options = new TrainCliOptions();
        var cmd = new Command("train");
        options.AddTo(cmd);
        Assert.Null(options.Build(cmd.Parse([])).Tf32);
        Assert.True(options.Build(cmd.Parse(["--tf32", "on"])).Tf32);
        var off = options.Build(cmd.Parse(["--tf32", "off"]));
        Assert.False(off.Tf32);
        Assert.Contains("allowed: on, off", Assert.Throws<ArgumentException>(() => options.Build(cmd.Parse(["--tf32", "fast"]))).Message);

        using var tmp = new TempDir();
        File.WriteAllText(tmp["saved.json"], off.ToJsonString());
        Assert.False(options.Build(options.WithConfig(cmd, cmd.Parse(["--config", tmp["saved.json"]]))).Tf32);
    }
}
