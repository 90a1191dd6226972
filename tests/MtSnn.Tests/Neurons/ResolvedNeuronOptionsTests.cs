using MtSnn.Kernels;
using MtSnn.Neurons;
using Xunit;

namespace MtSnn.Tests.Neurons;

/// <summary>
/// A module resolves its options once (<see cref="NeuronOptions.Resolve"/>); what it caches must be what the options
/// compute, and a bad option is refused at resolution, before any forward.
/// </summary>
public class ResolvedNeuronOptionsTests
{
    public static TheoryData<NeuronOptions> Options => new()
    {
        new NeuronOptions(),
        new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4, SurrogateWidth = SurrogateWidth.Spacing, NormalizeLevelGradient = true },
        new NeuronOptions { Mode = FiringMode.Parallel, Levels = 3, Reset = ResetMode.Hard, VReset = -0.25, Surrogate = new Sigmoid(3) },
        new NeuronOptions { Dynamics = Dynamics.PLIF, Mode = FiringMode.Cascade, Levels = 3, Preset = ThresholdPreset.Explicit,
            Thresholds = [1.0, 0.6, 0.2], Weights = [1.0, 0.5, 0.25], VInit = 0.1, SurrogateWidth = SurrogateWidth.Spacing },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void The_resolution_holds_what_the_options_compute(NeuronOptions o)
    {
        var r = o.Resolve();
        Assert.Same(o, r.Options);
        Assert.Equal(o.ThresholdScales.ToArray(), r.ThresholdScales.ToArray());
        Assert.Equal(o.LevelWeights.ToArray(), r.LevelWeights.ToArray());
        Assert.Equal(o.SurrogateLevelWidths.ToArray(), r.SurrogateLevelWidths.ToArray());
        Assert.Equal(o.SurrogateLevelGains.ToArray(), r.SurrogateLevelGains.ToArray());
        Assert.Equal(o.LevelSurrogates.ToArray(), r.LevelSurrogates.ToArray());
        Assert.Equal((o.EffectiveReset, o.EffectiveVInit, o.Levels), (r.Reset, r.VInit, r.Levels));

        // the kernel parameters of a module (from its resolution) equal those resolved from the options each call
        var fromOptions = KernelParameters.From(o, plifA: 0.3, vThreshold: 0.75);
        var fromResolved = KernelParameters.FromResolved(r, plifA: 0.3, vThreshold: 0.75);
        Assert.Equal(fromOptions.Scales, fromResolved.Scales);
        Assert.Equal(fromOptions.Weights, fromResolved.Weights);
        Assert.Equal(fromOptions.Thresholds, fromResolved.Thresholds);
        Assert.Equal(fromOptions.ResidualSteps, fromResolved.ResidualSteps);
        Assert.Equal(fromOptions.SurrogateInverseWidths, fromResolved.SurrogateInverseWidths);
        Assert.Equal(fromOptions.SurrogateGains, fromResolved.SurrogateGains);
        Assert.Equal((fromOptions.Beta, fromOptions.Reset), (fromResolved.Beta, fromResolved.Reset));
        Assert.NotSame(r.Scales32, fromResolved.Scales);   // the public arrays are the parameters' own copies
    }

    [Fact]
    public void Resolution_validates()
    {
        var e = Assert.Throws<ArgumentException>(() => new NeuronOptions { Mode = FiringMode.Cascade, Levels = 17 }.Resolve());
        Assert.Equal("levels K must be <= 16 (got 17)", e.Message);
    }
}
