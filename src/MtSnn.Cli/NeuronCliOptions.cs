using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using MtSnn.Neurons;

namespace MtSnn.Cli;

/// <summary>
/// The neuron options as typed on the command line, shared by every command that builds neurons
/// (<c>neuron</c>, <c>train</c>, <c>compare</c>), so they are spelled the same everywhere.
/// </summary>
public sealed class NeuronCliOptions
{
    public Option<string> Dynamics { get; } = Choice("--dynamics", "Charge rule.", "lif", "if", "lif", "plif");
    public Option<string> Mode { get; } = Choice("--mode", "Firing rule.", "single", "single", "parallel", "cascade");
    public Option<int?> Levels { get; } = new("--levels", "-K") { Description = "Number of levels K (single: 1; parallel/cascade default 4)." };
    public Option<string?> Preset { get; } = new("--preset") { Description = "Threshold preset: pow2 | uniform | explicit (default: pow2 for single/cascade, uniform for parallel; explicit when --thresholds is given)." };
    public Option<string?> Thresholds { get; } = new("--thresholds") { Description = "Explicit thresholds in units of V_th, comma-separated, strictly descending (e.g. 1,0.5,0.25)." };
    public Option<string?> Weights { get; } = new("--weights") { Description = "Explicit level weights lambda_k, comma-separated (default: equal to the thresholds)." };
    public Option<double> Tau { get; } = new("--tau") { Description = "Membrane time constant tau (> 1); tau0 for PLIF.", DefaultValueFactory = _ => 2.0 };
    public Option<double> VThreshold { get; } = new("--vth") { Description = "Base threshold V_th (> 0).", DefaultValueFactory = _ => 1.0 };
    public Option<bool> TrainableVThreshold { get; } = new("--trainable-vth") { Description = "Make V_th a trainable parameter per layer." };
    public Option<double> VReset { get; } = new("--vreset") { Description = "Reset / resting potential V_reset.", DefaultValueFactory = _ => 0.0 };
    public Option<string?> Reset { get; } = new("--reset") { Description = "Reset rule: soft | hard (default: hard for single, soft for parallel/cascade)." };
    public Option<bool> DetachReset { get; } = new("--detach-reset") { Description = "Treat the reset as a constant in backward." };
    public Option<bool> NoDecayInput { get; } = new("--no-decay-input") { Description = "LIF charge H = V - (V - V_reset)/tau + X instead of H = V + (X - (V - V_reset))/tau." };
    public Option<string> SurrogateWidth { get; } = Choice("--surrogate-width", "Per-level surrogate width: fixed (every level the same) or spacing (level k stretched to its threshold spacing d_k, unit area: dS_k/du = g(u/d_k)/d_k).", "fixed", "fixed", "spacing");
    public Option<bool> NormalizeLevelGradient { get; } = new("--normalize-level-gradient") { Description = "Divide every level's surrogate by sum_k lambda_k, so dO/dH has a single threshold's area." };
    public Option<string> Surrogate { get; } = new("--surrogate") { Description = $"Surrogate gradient: {string.Join(" | ", Surrogates.All.Select(k => k.Name))}, optionally name:parameter (e.g. atan:2).", DefaultValueFactory = _ => "atan" };

    /// <summary>Adds every option to <paramref name="cmd"/>.</summary>
    public void AddTo(Command cmd)
    {
        foreach (Option o in new Option[] { Dynamics, Mode, Levels, Preset, Thresholds, Weights, Tau, VThreshold, TrainableVThreshold, VReset, Reset, DetachReset, NoDecayInput, Surrogate, SurrogateWidth, NormalizeLevelGradient })
            cmd.Options.Add(o);
    }

    /// <summary>Builds and validates the neuron options; throws <see cref="ArgumentException"/> with one line on bad values.</summary>
    public NeuronOptions Build(ParseResult p)
    {
        var mode = Enum.Parse<FiringMode>(p.GetValue(Mode)!, ignoreCase: true);
        var thresholds = ParseList(p.GetValue(Thresholds), "--thresholds");
        var weights = ParseList(p.GetValue(Weights), "--weights");
        ThresholdPreset? preset = p.GetValue(Preset) switch
        {
            null => thresholds.IsEmpty ? null : ThresholdPreset.Explicit,
            var s => s.ToLowerInvariant() switch
            {
                "pow2" => ThresholdPreset.Pow2,
                "uniform" => ThresholdPreset.Uniform,
                "explicit" => ThresholdPreset.Explicit,
                _ => throw new ArgumentException($"invalid --preset '{s}' (allowed: pow2, uniform, explicit)"),
            },
        };
        if (preset == ThresholdPreset.Explicit && weights.IsEmpty) weights = thresholds;
        int levels = p.GetValue(Levels) ?? (!thresholds.IsEmpty ? thresholds.Length : mode == FiringMode.Single ? 1 : 4);
        ResetMode? reset = p.GetValue(Reset) switch
        {
            null => null,
            var s => s.ToLowerInvariant() switch
            {
                "soft" => ResetMode.Soft,
                "hard" => ResetMode.Hard,
                _ => throw new ArgumentException($"invalid --reset '{s}' (allowed: soft, hard)"),
            },
        };
        string sur = p.GetValue(Surrogate)!;
        int colon = sur.IndexOf(':');
        double? surParam = colon < 0 ? null : ParseNumber(sur[(colon + 1)..], "--surrogate parameter");
        return new NeuronOptions
        {
            Dynamics = Enum.Parse<Dynamics>(p.GetValue(Dynamics)!, ignoreCase: true),
            Mode = mode,
            Levels = levels,
            Preset = preset,
            Thresholds = thresholds,
            Weights = weights,
            Tau = p.GetValue(Tau),
            VThreshold = p.GetValue(VThreshold),
            TrainableVThreshold = p.GetValue(TrainableVThreshold),
            VReset = p.GetValue(VReset),
            Reset = reset,
            DetachReset = p.GetValue(DetachReset),
            DecayInput = !p.GetValue(NoDecayInput),
            Surrogate = Surrogates.Parse(colon < 0 ? sur : sur[..colon], surParam),
            SurrogateWidth = Enum.Parse<Neurons.SurrogateWidth>(p.GetValue(SurrogateWidth)!, ignoreCase: true),
            NormalizeLevelGradient = p.GetValue(NormalizeLevelGradient),
        }.Validate();
    }

    private static Option<string> Choice(string name, string description, string defaultValue, params string[] allowed)
    {
        var o = new Option<string>(name) { Description = $"{description} One of: {string.Join(", ", allowed)}.", DefaultValueFactory = _ => defaultValue };
        o.AcceptOnlyFromAmong(allowed);
        return o;
    }

    private static ImmutableArray<double> ParseList(string? text, string what) =>
        string.IsNullOrWhiteSpace(text) ? [] : [.. text.Split(',').Select(s => ParseNumber(s, what))];

    private static double ParseNumber(string s, string what) =>
        double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v : throw new ArgumentException($"{what}: '{s.Trim()}' is not a number");
}
