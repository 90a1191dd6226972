using System.CommandLine;
using System.Text.Json.Nodes;
using MtSnn.Cli;
using MtSnn.Cli.Training;
using MtSnn.IO;
using MtSnn.Neurons;
using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Reliability;

/// <summary>
/// Enum fields of checkpoint headers and <c>--config</c> files take defined names only: <c>Enum.Parse</c> would take
/// <c>"3"</c> (an undefined value), <c>"-1"</c>, <c>"0"</c> (a defined value by number) and <c>"single, cascade"</c> (OR-ed).
/// </summary>
[Collection(TrainingCollection.Name)]
public class EnumNameTests
{
    public static TheoryData<string, string, string> NotNames => new()
    {
        { "mode", "3", "allowed: single, parallel, cascade" },
        { "mode", "-1", "allowed: single, parallel, cascade" },
        { "mode", "2", "allowed: single, parallel, cascade" },
        { "mode", "single, cascade", "allowed: single, parallel, cascade" },
        { "mode", " cascade", "allowed: single, parallel, cascade" },
        { "dynamics", "1", "allowed: if, lif, plif" },
        { "preset", "0", "allowed: pow2, uniform, explicit" },
        { "reset", "1", "allowed: soft, hard" },
        { "surrogate-width", "1", "allowed: fixed, spacing" },
    };

    [Theory]
    [MemberData(nameof(NotNames))]
    public void Neuron_options_json_refuses_numbers_and_lists_with_the_allowed_names(string key, string value, string allowed)
    {
        var json = new JsonObject { ["mode"] = "cascade", ["levels"] = 2, [key] = value };
        var e = Assert.Throws<ArgumentException>(() => NeuronOptionsJson.Read(json));
        Assert.Contains($"'{value}'", e.Message);
        Assert.Contains(allowed, e.Message);
    }

    [Fact]
    public void Names_in_any_case_are_accepted()
    {
        var o = NeuronOptionsJson.Read(new JsonObject { ["mode"] = "CASCADE", ["levels"] = 2, ["dynamics"] = "Plif", ["reset"] = "HARD", ["preset"] = "Uniform", ["surrogate-width"] = "Spacing" });
        Assert.Equal((FiringMode.Cascade, Dynamics.PLIF, ResetMode.Hard, ThresholdPreset.Uniform, SurrogateWidth.Spacing),
                     (o.Mode, o.Dynamics, o.Reset!.Value, o.Preset!.Value, o.SurrogateWidth));
        Assert.Equal(ResetMode.Soft, EnumName.Parse<ResetMode>("soft", "reset"));
    }

    [Theory]
    [InlineData("mode", "3")]
    [InlineData("mode", "-1")]
    [InlineData("dynamics", "0")]
    [InlineData("reset", "1")]
    public void A_checkpoint_whose_header_holds_an_enum_number_is_refused_naming_the_file(string key, string value)
    {
        using var tmp = new TempDir();
        byte[] good;
        using (var trainer = new Trainer(TrainingFixtures.Tiny(epochs: 1, maxBatches: 1)))
        {
            using var ms = new MemoryStream();
            CheckpointFile.Write(ms, trainer.CurrentCheckpoint());
            good = ms.ToArray();
        }
        var (header, model, optimizer) = CheckpointBytes.Split(good);
        header["config"]![key] = value;
        string path = tmp["edited.ckpt"];
        File.WriteAllBytes(path, CheckpointBytes.Seal(header, model, optimizer));
        var e = Assert.ThrowsAny<Exception>(() => CheckpointFile.Load(path));
        Assert.True(CliApp.IsBadInput(e), e.ToString());
        Assert.Contains(path, e.Message);
        Assert.Contains($"'{value}'", e.Message);
        Assert.Contains("allowed: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("""{"mode":"3"}""", "single, parallel, cascade")]
    [InlineData("""{"mode":"-1"}""", "single, parallel, cascade")]
    [InlineData("""{"reset":"1"}""", "soft, hard")]
    [InlineData("""{"optimizer":"0"}""", "allowed:")]
    [InlineData("""{"encoding":"1"}""", "direct, poisson")]
    public void A_config_file_whose_enum_field_is_a_number_is_refused_with_the_allowed_names(string text, string allowed)
    {
        using var tmp = new TempDir();
        string path = tmp["c.json"];
        File.WriteAllText(path, text);
        var options = new TrainCliOptions();
        var cmd = new Command("train");
        options.AddTo(cmd);
        var e = Assert.ThrowsAny<Exception>(() => options.Build(options.WithConfig(cmd, cmd.Parse(["--config", path]))));
        Assert.True(CliApp.IsBadInput(e), e.ToString());
        foreach (string name in allowed.Split(", ")) Assert.Contains(name, e.Message);   // the parser's "Must be one of: 'single' 'parallel' 'cascade'" or "allowed: ..."
        Assert.DoesNotContain('\n', e.Message);
    }
}
