using System.Globalization;
using System.Text.Json.Nodes;
using MtSnn.IO;
using MtSnn.Neurons;

namespace MtSnn.Training;

/// <summary>
/// Neuron options as JSON, keyed by the command-line option names (<c>dynamics, mode, levels, preset, thresholds, weights,
/// tau, vth, trainable-vth, vreset, reset, detach-reset, no-decay-input, surrogate, surrogate-width, normalize-level-gradient</c>), so that a saved configuration
/// reads like the command that made it and can be passed back with <c>--config</c>.
/// </summary>
public static class NeuronOptionsJson
{
    /// <summary>The keys <see cref="Write"/> produces.</summary>
    public static IReadOnlyList<string> Keys { get; } =
        ["dynamics", "mode", "levels", "preset", "thresholds", "weights", "tau", "vth", "trainable-vth", "vreset", "reset", "detach-reset", "no-decay-input", "surrogate",
         "surrogate-width", "normalize-level-gradient"];

    /// <summary>Adds the options to <paramref name="json"/>.</summary>
    public static void Write(NeuronOptions o, JsonObject json)
    {
        json["dynamics"] = o.Dynamics.ToString().ToLowerInvariant();
        json["mode"] = o.Mode.ToString().ToLowerInvariant();
        json["levels"] = o.Levels;
        json["preset"] = o.EffectivePreset.ToString().ToLowerInvariant();
        if (o.EffectivePreset == ThresholdPreset.Explicit)
        {
            json["thresholds"] = string.Join(',', o.Thresholds.Select(R));
            json["weights"] = string.Join(',', o.Weights.Select(R));
        }
        json["tau"] = MtSnn.IO.RoundTripNumber.Json(o.Tau);
        json["vth"] = MtSnn.IO.RoundTripNumber.Json(o.VThreshold);
        json["trainable-vth"] = o.TrainableVThreshold;
        json["vreset"] = MtSnn.IO.RoundTripNumber.Json(o.VReset);
        json["reset"] = o.EffectiveReset.ToString().ToLowerInvariant();
        json["detach-reset"] = o.DetachReset;
        json["no-decay-input"] = !o.DecayInput;
        json["surrogate"] = SurrogateName(o.Surrogate);
        json["surrogate-width"] = o.SurrogateWidth.ToString().ToLowerInvariant();
        json["normalize-level-gradient"] = o.NormalizeLevelGradient;
    }

    /// <summary>Reads options written by <see cref="Write"/> (missing keys take the defaults); validates them.</summary>
    public static NeuronOptions Read(JsonObject json)
    {
        var d = new NeuronOptions();
        var mode = EnumName.Parse<FiringMode>(Str(json, "mode") ?? "single", "mode");
        string? preset = Str(json, "preset");
        string sur = Str(json, "surrogate") ?? "atan";
        int colon = sur.IndexOf(':');
        return new NeuronOptions
        {
            Dynamics = EnumName.Parse<Dynamics>(Str(json, "dynamics") ?? "lif", "dynamics"),
            Mode = mode,
            Levels = json["levels"]?.GetValue<int>() ?? (mode == FiringMode.Single ? 1 : 4),
            Preset = preset is null ? null : EnumName.Parse<ThresholdPreset>(preset, "preset"),
            Thresholds = List(Str(json, "thresholds")),
            Weights = List(Str(json, "weights")),
            Tau = json["tau"]?.GetValue<double>() ?? d.Tau,
            VThreshold = json["vth"]?.GetValue<double>() ?? d.VThreshold,
            TrainableVThreshold = json["trainable-vth"]?.GetValue<bool>() ?? false,
            VReset = json["vreset"]?.GetValue<double>() ?? 0,
            Reset = Str(json, "reset") is { } r ? EnumName.Parse<ResetMode>(r, "reset") : null,
            DetachReset = json["detach-reset"]?.GetValue<bool>() ?? false,
            DecayInput = !(json["no-decay-input"]?.GetValue<bool>() ?? false),
            Surrogate = Surrogates.Parse(colon < 0 ? sur : sur[..colon], colon < 0 ? null : double.Parse(sur[(colon + 1)..], CultureInfo.InvariantCulture)),
            SurrogateWidth = Str(json, "surrogate-width") is { } sw ? EnumName.Parse<SurrogateWidth>(sw, "surrogate-width") : SurrogateWidth.Fixed,
            NormalizeLevelGradient = json["normalize-level-gradient"]?.GetValue<bool>() ?? false,
        }.Validate();
    }

    /// <summary>The command-line spelling <c>name:parameter</c> of a surrogate.</summary>
    public static string SurrogateName(Surrogate s) => Surrogates.Format(s);

    private static string? Str(JsonObject json, string key) => json[key]?.GetValue<string>();

    private static System.Collections.Immutable.ImmutableArray<double> List(string? s) =>
        string.IsNullOrWhiteSpace(s) ? [] : [.. s.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture))];

    private static string R(double v) => MtSnn.IO.RoundTripNumber.Format(v);
}
