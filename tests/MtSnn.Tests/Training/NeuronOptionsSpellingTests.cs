using System.Text.Json.Nodes;
using MtSnn.Neurons;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Training;

/// <summary>
/// The neuron's names in config JSON and checkpoint headers (<see cref="NeuronOptionsJson"/>) are a file format: with
/// the enums now shared with the engine (MtSnn.Neurons in MtSnn.Runtime), JSON written before still reads to the same
/// options and the same options write the same text.
/// </summary>
public class NeuronOptionsSpellingTests
{
    // What NeuronOptionsJson.Write produced before the neuron enums were shared (commit a243615).
    private const string Written =
        """{"dynamics":"plif","mode":"cascade","levels":3,"preset":"explicit","thresholds":"1,0.5,0.25","weights":"1,0.5,0.25","tau":2,"vth":1,"trainable-vth":false,"vreset":0,"reset":"hard","detach-reset":false,"no-decay-input":false,"surrogate":"atan:2","surrogate-width":"spacing","normalize-level-gradient":false}""";

    [Fact]
    public void Neuron_json_written_before_the_shared_enums_reads_and_writes_back_unchanged()
    {
        var o = NeuronOptionsJson.Read(JsonNode.Parse(Written)!.AsObject());
        Assert.Equal((Dynamics.PLIF, FiringMode.Cascade, ThresholdPreset.Explicit, ResetMode.Hard), (o.Dynamics, o.Mode, o.Preset!.Value, o.Reset!.Value));
        var json = new JsonObject();
        NeuronOptionsJson.Write(o, json);
        Assert.Equal(Written, json.ToJsonString());
    }

    [Theory]
    [InlineData("if", "single", "pow2", "hard", Dynamics.IF, FiringMode.Single, ThresholdPreset.Pow2, ResetMode.Hard)]
    [InlineData("lif", "parallel", "uniform", "soft", Dynamics.LIF, FiringMode.Parallel, ThresholdPreset.Uniform, ResetMode.Soft)]
    public void Every_enum_name_keeps_its_spelling(string dynamics, string mode, string preset, string reset, Dynamics d, FiringMode m, ThresholdPreset p, ResetMode r)
    {
        var o = NeuronOptionsJson.Read(new JsonObject { ["dynamics"] = dynamics, ["mode"] = mode, ["levels"] = mode == "single" ? 1 : 2, ["preset"] = preset, ["reset"] = reset });
        Assert.Equal((d, m, p, r), (o.Dynamics, o.Mode, o.EffectivePreset, o.EffectiveReset));
        var json = new JsonObject();
        NeuronOptionsJson.Write(o, json);
        Assert.Equal((dynamics, mode, preset, reset), ((string)json["dynamics"]!, (string)json["mode"]!, (string)json["preset"]!, (string)json["reset"]!));
    }
}
