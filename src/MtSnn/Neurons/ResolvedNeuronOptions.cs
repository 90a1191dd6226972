using System.Collections.Immutable;

namespace MtSnn.Neurons;

/// <summary>
/// Validated <see cref="NeuronOptions"/> with everything a neuron module reads on every call computed once
/// (<see cref="NeuronOptions.Resolve"/>): the level table <c>c_k</c>, <c>lambda_k</c>, the per-level surrogates and
/// their scaling <c>s_k</c>, <c>m_k</c> (also as float32 for the fused kernels), the reset and V_init in effect.
/// A module builds one at construction; options are immutable, so new options mean a new resolution.
/// </summary>
internal sealed class ResolvedNeuronOptions
{
    internal ResolvedNeuronOptions(NeuronOptions validated)
    {
        Options = validated;
        ThresholdScales = validated.ThresholdScales;
        LevelWeights = validated.LevelWeights;
        SurrogateLevelWidths = validated.SurrogateLevelWidths;
        SurrogateLevelGains = validated.SurrogateLevelGains;
        LevelSurrogates = validated.LevelSurrogates;
        Reset = validated.EffectiveReset;
        VInit = validated.EffectiveVInit;
        Scales32 = [.. ThresholdScales.Select(v => (float)v)];
        Weights32 = [.. LevelWeights.Select(v => (float)v)];
        SurrogateInverseWidths32 = [.. SurrogateLevelWidths.Select(v => (float)(1.0 / v))];
        SurrogateGains32 = [.. SurrogateLevelGains.Select(v => (float)v)];
    }

    /// <summary>The validated options.</summary>
    public NeuronOptions Options { get; }
    /// <summary><see cref="NeuronOptions.ThresholdScales"/>.</summary>
    public ImmutableArray<double> ThresholdScales { get; }
    /// <summary><see cref="NeuronOptions.LevelWeights"/>.</summary>
    public ImmutableArray<double> LevelWeights { get; }
    /// <summary><see cref="NeuronOptions.SurrogateLevelWidths"/>.</summary>
    public ImmutableArray<double> SurrogateLevelWidths { get; }
    /// <summary><see cref="NeuronOptions.SurrogateLevelGains"/>.</summary>
    public ImmutableArray<double> SurrogateLevelGains { get; }
    /// <summary><see cref="NeuronOptions.LevelSurrogates"/>.</summary>
    public ImmutableArray<Surrogate> LevelSurrogates { get; }
    /// <summary><see cref="NeuronOptions.EffectiveReset"/>.</summary>
    public ResetMode Reset { get; }
    /// <summary><see cref="NeuronOptions.EffectiveVInit"/>.</summary>
    public double VInit { get; }
    /// <summary>Number of levels K.</summary>
    public int Levels => ThresholdScales.Length;

    // float32 forms for KernelParameters (which copies them: its arrays are public).
    internal float[] Scales32 { get; }
    internal float[] Weights32 { get; }
    internal float[] SurrogateInverseWidths32 { get; }
    internal float[] SurrogateGains32 { get; }
}
