using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;
using MtSnn.Cli;
using MtSnn.Cli.Training;
using MtSnn.Neurons;
using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Training;

/// <summary>
/// The configuration fields are the one source of the JSON keys, the command-line options and their defaults: the
/// command line's defaults are the records', every property of <see cref="TrainConfig"/> is a field, and <c>--config</c>
/// is merged as data (typed values win; file errors name the file and the key).
/// </summary>
[Collection(TrainingCollection.Name)]
public class ConfigFieldsTests
{
    public ConfigFieldsTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static (TrainCliOptions Options, Command Cmd) Train()
    {
        var options = new TrainCliOptions();
        var cmd = new Command("train");
        options.AddTo(cmd);
        return (options, cmd);
    }

    [Fact]
    public void An_empty_command_line_gives_the_records_defaults()
    {
        var (options, cmd) = Train();
        Assert.Equal(new TrainConfig().ToJson().ToJsonString(), options.Build(cmd.Parse([])).ToJson().ToJsonString());
        var neuron = new NeuronCliOptions();
        var ncmd = new Command("neuron");
        neuron.AddTo(ncmd);
        Assert.Equal(new NeuronOptions(), neuron.Build(ncmd.Parse([])));
    }

    [Fact]
    public void Every_option_with_a_default_shows_the_records_value_and_switches_default_to_false()
    {
        var (options, cmd) = Train();
        var p = cmd.Parse([]);
        foreach (var f in options.Neuron.Options.Concat(options.Fields))
        {
            object? parsed = p.GetResult(f.Option)?.GetValueOrDefault<object?>();
            if (f.Field.Nullable) Assert.True(f.Option.HasDefaultValue == false, $"--{f.Field.Key} is nullable and has a default");
            else Assert.True(Equals(f.Field.Default, parsed), $"--{f.Field.Key}: default {parsed}, the record's {f.Field.Default}");
        }
        Assert.Equal("atan:2", ConfigFields.Neuron.Single(f => f.Key == "surrogate").Default);
        Assert.Equal(4, ConfigFields.Train.Single(f => f.Key == "T").Default);
    }

    [Fact]
    public void Every_property_of_TrainConfig_is_a_field_and_every_key_is_written()
    {
        var settable = typeof(TrainConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null).Select(p => p.Name).ToList();
        Assert.Contains("Neuron", settable);
        Assert.Equal(settable.Count - 1, ConfigFields.Train.Count);   // every property but Neuron, whose options are ConfigFields.Neuron
        var explicitNeuron = new TrainConfig { Neuron = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 2, Preset = ThresholdPreset.Explicit, Thresholds = [1, 0.5], Weights = [1, 0.25] } };
        Assert.Equal(ConfigFields.All.Select(f => f.Key), explicitNeuron.ToJson().Select(kv => kv.Key));
        Assert.Equal(ConfigFields.All.Select(f => f.Key).Where(k => k is not "thresholds" and not "weights"), new TrainConfig().ToJson().Select(kv => kv.Key));
        var back = TrainConfig.FromJson(explicitNeuron.ToJson());
        Assert.Equal(explicitNeuron.ToJson().ToJsonString(), back.ToJson().ToJsonString());
    }

    [Fact]
    public void Config_values_are_data_not_command_line_text()
    {
        var (options, cmd) = Train();
        using var tmp = new TempDir();
        // a value that reads as an option when put back on a command line stays a value
        File.WriteAllText(tmp["c.json"], """{"data": "--epochs", "device": "-T", "epochs": 3}""");
        var c = options.Build(cmd.Parse(["--config", tmp["c.json"]]));
        Assert.Equal("--epochs", c.DataDir);
        Assert.Equal("-T", c.Device);
        Assert.Equal(3, c.Epochs);
        Assert.Equal(4, c.T);
        // the command line wins over the file, the file over the default
        var typed = options.Build(cmd.Parse(["--config", tmp["c.json"], "--epochs", "5", "--device", "cpu"]));
        Assert.Equal((5, "cpu", "--epochs"), (typed.Epochs, typed.Device, typed.DataDir));
    }

    [Fact]
    public void A_file_may_set_the_commands_other_options_too_and_the_command_line_wins()
    {
        var (options, cmd) = Train();
        var outDir = new Option<string?>("--out");
        var quiet = new Option<bool>("--quiet");
        cmd.Options.Add(outDir);
        cmd.Options.Add(quiet);
        using var tmp = new TempDir();
        File.WriteAllText(tmp["c.json"], """{"out": "--epochs", "quiet": true, "epochs": 2}""");
        var input = options.WithConfig(cmd, cmd.Parse(["--config", tmp["c.json"]]));
        Assert.Equal(("--epochs", true), (input.GetValue(outDir), input.GetValue(quiet)));
        Assert.Equal(2, options.Build(input).Epochs);
        Assert.Equal("typed", options.WithConfig(cmd, cmd.Parse(["--config", tmp["c.json"], "--out", "typed"])).GetValue(outDir));
        Assert.Null(options.WithConfig(cmd, cmd.Parse([])).GetValue(outDir));
        File.WriteAllText(tmp["d.json"], """{"quiet": "yes"}""");
        Assert.Equal($"--config '{tmp["d.json"]}': key 'quiet' is a string; expected true or false",
            Assert.Throws<ArgumentException>(() => options.WithConfig(cmd, cmd.Parse(["--config", tmp["d.json"]]))).Message);
    }

    [Fact]
    public void File_and_command_line_values_complete_each_other()
    {
        var (options, cmd) = Train();
        using var tmp = new TempDir();
        File.WriteAllText(tmp["c.json"], """{"mode": "cascade"}""");
        var n = options.Build(cmd.Parse(["--config", tmp["c.json"], "--thresholds", "1,0.5"])).Neuron;
        Assert.Equal((FiringMode.Cascade, 2, ThresholdPreset.Explicit), (n.Mode, n.Levels, n.EffectivePreset));
        Assert.Equal([1.0, 0.5], n.Weights.ToArray());   // the weights default to the thresholds
        Assert.Equal(4, options.Build(cmd.Parse(["--config", tmp["c.json"]])).Neuron.Levels);   // parallel/cascade default K
        Assert.True(options.Given(options.WithConfig(cmd, cmd.Parse(["--config", tmp["c.json"]])), "mode"));
        Assert.False(options.Given(options.WithConfig(cmd, cmd.Parse(["--config", tmp["c.json"]])), "levels"));
    }

    [Theory]
    [InlineData("""{"T": "many"}""", "key 'T' is a string; expected an integer")]
    [InlineData("""{"lr": true}""", "key 'lr' is true; expected a number or null")]
    [InlineData("""{"seed": 1.5}""", "key 'seed' is the number 1.5; expected an integer")]
    [InlineData("""{"tf32": false}""", "key 'tf32' is false; expected a string or null")]
    [InlineData("""{"surrogate": "atan:x"}""", "key 'surrogate': --surrogate parameter: 'x' is not a number")]
    [InlineData("""{"optimizer": "nope"}""", "key 'optimizer': unknown optimizer 'nope' (allowed: sgd, adam, adamw)")]
    [InlineData("""{"mode": "triple"}""", "key 'mode': unknown mode 'triple' (allowed: single, parallel, cascade)")]
    public void A_bad_file_value_is_one_line_naming_the_file_and_the_key(string text, string expected)
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["c.json"], text);
        var r = CliRunner.Run("train", "--config", tmp["c.json"]);
        Assert.Equal(CliApp.BadInput, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.Equal($"mtsnn: error: --config '{tmp["c.json"]}': {expected}", line);
    }

    [Fact]
    public void A_typed_value_overrides_a_bad_one_in_the_file_only_when_the_file_is_well_formed()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["c.json"], """{"optimizer": "nope"}""");
        var (options, cmd) = Train();
        // the file's value is replaced before it is parsed, so the typed optimizer is used
        Assert.Equal(OptimizerKind.Sgd, options.Build(cmd.Parse(["--config", tmp["c.json"], "--optimizer", "sgd"])).Optimizer);
        // a value of the wrong JSON kind is refused whatever is typed: the file itself is malformed
        File.WriteAllText(tmp["d.json"], """{"T": "many"}""");
        Assert.Contains("key 'T' is a string", Assert.Throws<ArgumentException>(() => options.Build(cmd.Parse(["--config", tmp["d.json"], "--T", "2"]))).Message);
    }

    [Fact]
    public void Checkpoint_json_reads_with_the_same_kind_check()
    {
        var e = Assert.Throws<InvalidDataException>(() => TrainConfig.FromJson(new JsonObject { ["T"] = "4" }));
        Assert.Equal("configuration JSON: key 'T' is a string; expected an integer", e.Message);
        Assert.StartsWith("configuration JSON: unknown key 'colour' (allowed: dataset, data, model,", Assert.Throws<InvalidDataException>(() => TrainConfig.FromJson(new JsonObject { ["colour"] = "red" })).Message);
    }
}
