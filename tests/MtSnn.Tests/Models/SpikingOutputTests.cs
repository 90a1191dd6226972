using System.Text.Json.Nodes;
using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Models;

/// <summary>
/// plif-net-vote (SpikingJelly's PLIF net ending in spiking neurons and a voting layer) and <c>--output-neuron</c>:
/// multi-threshold neurons in the hidden layers only, or in the output layer too (issue 11's ablation).
/// </summary>
public class SpikingOutputTests
{
    public SpikingOutputTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static readonly NeuronOptions Cascade = new() { Dynamics = Dynamics.PLIF, Mode = FiringMode.Cascade, Levels = 4, VThreshold = 0.5 };

    [Fact]
    public void Voting_is_the_mean_of_each_class_group()
    {
        using var scope = NewDisposeScope();
        using var voting = new Voting(classes: 3, group: 2);
        // classes 0, 1, 2 own neurons (0, 1), (2, 3), (4, 5)
        var x = tensor(new float[] { 1, 0, 1, 1, 0, 0, 0.5f, 0.25f, 2, 4, -1, 1 }, [2, 6]);
        var y = voting.forward(x).data<float>().ToArray();
        Assert.Equal(new float[] { 0.5f, 1, 0, 0.375f, 3, 0 }, y);
        Assert.Throws<ArgumentException>(() => voting.forward(zeros(2, 5)));
    }

    [Fact]
    public void Plif_net_vote_ends_in_an_output_stage_of_ten_neurons_per_class()
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create("plif-net-vote", new ModelSpec(new ImageShape(1, 8, 8), 10, Cascade));
        Assert.Equal(["stage1", "stage2", "classifier", SpikingModel.OutputStage], model.Stages);
        Assert.Equal(4, model.SpikingLayers.Count);
        SpikingFunctional.ResetNet(model);
        var y = model.forward(rand(new long[] { 2, 3, 1, 8, 8 }));
        Assert.Equal([2L, 3, 10], y.shape);
        // the prediction is a spike rate: a mean of ten outputs, each a sum of level weights (>= 0)
        Assert.True(y.min().item<float>() >= 0);
        Assert.Contains("plif-net-vote", ModelZoo.SpikingOutputNames);
        Assert.DoesNotContain("plif-net", ModelZoo.SpikingOutputNames);
    }

    [Fact]
    public void Output_neuron_single_keeps_multi_threshold_in_the_hidden_layers_only()
    {
        using var scope = NewDisposeScope();
        var config = new TrainConfig { Model = "plif-net-vote", Neuron = Cascade with { Reset = ResetMode.Soft }, OutputNeuron = OutputNeuron.Single }.Validate();
        using var model = ModelZoo.Create(config.Model, config.ModelSpec(new ImageShape(1, 8, 8), 10));
        var layers = model.SpikingLayers;
        foreach (var (_, node) in layers.Take(3)) Assert.Equal(FiringMode.Cascade, node.Options.Mode);
        var output = layers[^1].Node.Options;
        Assert.Equal(FiringMode.Single, output.Mode);
        Assert.Equal(1, output.Levels);
        Assert.Equal(ResetMode.Hard, output.EffectiveReset);
        // everything but the firing rule comes from the hidden neuron
        Assert.Equal(Dynamics.PLIF, output.Dynamics);
        Assert.Equal(0.5, output.VThreshold);
        Assert.Equal(Cascade.Surrogate, output.Surrogate);
    }

    [Fact]
    public void Output_neuron_single_on_a_model_with_a_linear_classifier_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainConfig { Model = "plif-net", OutputNeuron = OutputNeuron.Single }.Validate());
        Assert.Contains("plif-net-vote", e.Message);
        Assert.Contains("'plif-net' ends in a linear classifier", e.Message);
    }

    [Fact]
    public void Output_neuron_reads_back_from_json_and_numbers_are_not_names()
    {
        var config = new TrainConfig { Model = "plif-net-vote", OutputNeuron = OutputNeuron.Single };
        var json = config.ToJson();
        Assert.Equal("single", json["output-neuron"]!.GetValue<string>());
        Assert.Equal(OutputNeuron.Single, TrainConfig.FromJson(json).OutputNeuron);
        // a configuration written before the option existed has no key: same
        json.Remove("output-neuron");
        Assert.Equal(OutputNeuron.Same, TrainConfig.FromJson(json).OutputNeuron);
        Assert.Throws<ArgumentException>(() => OutputNeurons.Parse("1"));
        var e = Assert.Throws<ArgumentException>(() => OutputNeurons.Parse("hidden"));
        Assert.Contains("allowed: same, single", e.Message);
    }

    [Fact]
    public void Cli_trains_plif_net_vote_with_a_single_output_and_the_checkpoint_rebuilds_it()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("train", "--dataset", "digits", "--model", "plif-net-vote", "--mode", "cascade", "--levels", "4",
            "--output-neuron", "single", "--T", "1", "--epochs", "1", "--max-batches", "2", "--batch-size", "16", "--workers", "1",
            "--quiet", "--out", dir["run"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var summary = JsonNode.Parse(File.ReadAllText(dir["run/summary.json"]))!;
        Assert.Equal("single", summary["config"]!["output-neuron"]!.GetValue<string>());
        var (_, _, model) = CheckpointModel.Load(dir["run/last.ckpt"]);
        using (model)
        {
            Assert.Equal(FiringMode.Single, model.SpikingLayers[^1].Node.Options.Mode);
            Assert.Equal(FiringMode.Cascade, model.SpikingLayers[0].Node.Options.Mode);
        }

        var bad = CliRunner.Run("train", "--dataset", "digits", "--model", "digits-cnn", "--output-neuron", "single", "--epochs", "1", "--out", dir["bad"]);
        Assert.Equal(2, bad.ExitCode);
        var line = Assert.Single(bad.ErrorLines);
        Assert.StartsWith("mtsnn: error:", line);
        Assert.Contains("spiking output layer", line);
        Assert.False(Directory.Exists(dir["bad"]));
    }
}
