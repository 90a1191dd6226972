using MtSnn.Neurons;

namespace MtSnn.Training;

/// <summary>The neuron of a model's spiking output layer (<see cref="TrainConfig.OutputNeuron"/>).</summary>
public enum OutputNeuron
{
    /// <summary>The same neuron as every other layer.</summary>
    Same,
    /// <summary>A single threshold with the other layers' dynamics (multi-threshold in the hidden layers only).</summary>
    Single,
}

/// <summary>Names and meaning of <see cref="OutputNeuron"/>.</summary>
public static class OutputNeurons
{
    /// <summary>The command-line name (same, single).</summary>
    public static string NameOf(OutputNeuron kind) => kind switch
    {
        OutputNeuron.Same => "same",
        OutputNeuron.Single => "single",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown output neuron {kind}"),
    };

    /// <summary>Parses a command-line name; anything else (numbers included) is an error naming the allowed values.</summary>
    public static OutputNeuron Parse(string name) => MtSnn.IO.EnumName.Parse<OutputNeuron>(name.Trim(), "output neuron");

    /// <summary>
    /// A single-threshold neuron with <paramref name="neuron"/>'s dynamics, time constant, V_th, V_reset, surrogate and
    /// detach choice; the mode's default (hard) reset, one level at V_th.
    /// </summary>
    public static NeuronOptions SingleLike(NeuronOptions neuron) => (neuron with
    {
        Mode = FiringMode.Single,
        Levels = 1,
        Preset = null,
        Thresholds = [],
        Weights = [],
        Reset = null,
        SurrogateWidth = SurrogateWidth.Fixed,
        NormalizeLevelGradient = false,
    }).Validate();
}
