using System.Globalization;
using System.Text.Json.Nodes;
using MtSnn.IO;
using MtSnn.Neurons;

namespace MtSnn.Training;

/// <summary>
/// Neuron options as JSON, keyed by the command-line option names (the fields of <see cref="ConfigFields.Neuron"/>:
/// <c>dynamics, mode, levels, preset, thresholds, weights, tau, vth, trainable-vth, vreset, reset, detach-reset,
/// no-decay-input, surrogate, surrogate-width, normalize-level-gradient</c>), so that a saved configuration reads like
/// the command that made it and can be passed back with <c>--config</c>.
/// </summary>
public static class NeuronOptionsJson
{
    /// <summary>The keys <see cref="Write"/> can produce (thresholds and weights only for the explicit preset).</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. ConfigFields.Neuron.Select(f => f.Key)];

    /// <summary>Adds the options to <paramref name="json"/>.</summary>
    public static void Write(NeuronOptions o, JsonObject json) => ConfigFields.WriteNeuron(o, json);

    /// <summary>
    /// Reads the neuron keys of <paramref name="json"/> (other keys are the caller's; missing ones take the defaults) and
    /// validates the options. A value of the wrong JSON kind throws <see cref="FormatException"/>, a refused value <see cref="ArgumentException"/>.
    /// </summary>
    public static NeuronOptions Read(JsonObject json)
    {
        var neuron = new JsonObject();
        foreach (var key in Keys)
            if (json.TryGetPropertyValue(key, out var node)) neuron[key] = node?.DeepClone();
        return ConfigFields.BuildNeuron(ConfigFields.ReadJson(neuron, source: null));
    }

    /// <summary>The command-line spelling <c>name:parameter</c> of a surrogate.</summary>
    public static string SurrogateName(Surrogate s) => Surrogates.Format(s);
}
