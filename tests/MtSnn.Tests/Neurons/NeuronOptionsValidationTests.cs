using MtSnn.Neurons;
using Xunit;

namespace MtSnn.Tests.Neurons;

/// <summary>Every invalid option is rejected with one line that names the value and what is allowed.</summary>
public class NeuronOptionsValidationTests
{
    private static readonly NeuronOptions Cascade3 = new() { Mode = FiringMode.Cascade, Levels = 3 };
    private static readonly NeuronOptions Explicit3 = Cascade3 with { Preset = ThresholdPreset.Explicit, Thresholds = [1.0, 0.6, 0.2], Weights = [1.0, 0.5, 0.25] };

    public static TheoryData<string, NeuronOptions, string> Invalid => new()
    {
        { "K < 1", Cascade3 with { Levels = 0 }, "levels K must be >= 1 (got 0)" },
        { "K > 16", Cascade3 with { Levels = 17 }, "levels K must be <= 16 (got 17)" },
        { "single with K > 1", new NeuronOptions { Mode = FiringMode.Single, Levels = 2 }, "single firing needs K = 1 (got K = 2)" },
        { "single with explicit", new NeuronOptions { Preset = ThresholdPreset.Explicit, Thresholds = [1.0], Weights = [1.0] }, "preset explicit not allowed" },
        { "V_th = 0", Cascade3 with { VThreshold = 0 }, "V_th must be finite and > 0 (got 0)" },
        { "V_th < 0", Cascade3 with { VThreshold = -1 }, "V_th must be finite and > 0 (got -1)" },
        { "V_th NaN", Cascade3 with { VThreshold = double.NaN }, "V_th must be finite and > 0" },
        { "tau = 1", Cascade3 with { Tau = 1 }, "tau must be finite and > 1 (got 1)" },
        { "tau < 1 for PLIF", Cascade3 with { Dynamics = Dynamics.PLIF, Tau = 0.5 }, "tau must be finite and > 1 (got 0.5)" },
        { "V_reset infinite", Cascade3 with { VReset = double.PositiveInfinity }, "V_reset must be finite" },
        { "V_init NaN", Cascade3 with { VInit = double.NaN }, "V_init must be finite" },
        { "thresholds with pow2", Cascade3 with { Thresholds = [1.0, 0.5, 0.25] }, "only allowed with the explicit preset (preset is pow2)" },
        { "weights with uniform", new NeuronOptions { Mode = FiringMode.Parallel, Levels = 2, Weights = [0.5, 0.5] }, "only allowed with the explicit preset (preset is uniform)" },
        { "too few thresholds", Explicit3 with { Thresholds = [1.0, 0.5] }, "explicit preset needs K = 3 thresholds (got 2)" },
        { "too many weights", Explicit3 with { Weights = [1.0, 0.5, 0.25, 0.125] }, "explicit preset needs K = 3 weights (got 4)" },
        { "no thresholds", Explicit3 with { Thresholds = [] }, "explicit preset needs K = 3 thresholds (got 0)" },
        { "default thresholds", Explicit3 with { Thresholds = default }, "explicit preset needs K = 3 thresholds (got 0)" },
        { "ascending", Explicit3 with { Thresholds = [0.5, 1.0, 0.2] }, "thresholds must be strictly descending (threshold 2 = 1 >= threshold 1 = 0.5)" },
        { "equal", Explicit3 with { Thresholds = [1.0, 0.5, 0.5] }, "thresholds must be strictly descending (threshold 3 = 0.5 >= threshold 2 = 0.5)" },
        { "negative threshold", Explicit3 with { Thresholds = [1.0, 0.5, -0.5] }, "threshold 3 must be finite and > 0 (got -0.5)" },
        { "zero threshold", Explicit3 with { Thresholds = [1.0, 0.5, 0.0] }, "threshold 3 must be finite and > 0 (got 0)" },
        { "NaN threshold", Explicit3 with { Thresholds = [double.NaN, 0.5, 0.25] }, "threshold 1 must be finite and > 0 (got NaN)" },
        { "infinite threshold", Explicit3 with { Thresholds = [double.PositiveInfinity, 0.5, 0.25] }, "threshold 1 must be finite and > 0" },
        { "zero weight", Explicit3 with { Weights = [1.0, 0.0, 0.25] }, "weight 2 must be finite and > 0 (got 0)" },
        { "NaN weight", Explicit3 with { Weights = [1.0, 0.5, double.NaN] }, "weight 3 must be finite and > 0 (got NaN)" },
        { "no surrogate", Cascade3 with { Surrogate = null! }, "surrogate must be set (allowed: atan, sigmoid" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_RejectsWithOneClearLine(string because, NeuronOptions options, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{because}: message '{e.Message}' lacks '{expected}'");
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Node_ValidatesItsOptions()
    {
        var e = Assert.Throws<ArgumentException>(() => new MultiThresholdNode(Cascade3 with { Levels = 0 }));
        Assert.Contains("levels K must be >= 1", e.Message);
    }

    [Fact]
    public void ValidOptions_Pass()
    {
        Assert.Same(Explicit3, Explicit3.Validate());
        Assert.Same(Cascade3, Cascade3.Validate());
        var k16 = Cascade3 with { Levels = 16 };
        Assert.Same(k16, k16.Validate());
        var ifWithAnyTau = new NeuronOptions { Dynamics = Dynamics.IF, Tau = 0.5 }; // tau is unused by IF
        Assert.Same(ifWithAnyTau, ifWithAnyTau.Validate());
    }

    public static TheoryData<string, Func<Surrogate>, string> BadSurrogates => new()
    {
        { "atan alpha 0", () => new ATan(0), "surrogate alpha must be finite and > 0 (got 0)" },
        { "sigmoid alpha < 0", () => new Sigmoid(-4), "surrogate alpha must be finite and > 0 (got -4)" },
        { "rectangle width NaN", () => new Rectangle(double.NaN), "surrogate width must be finite and > 0 (got NaN)" },
        { "triangle gamma inf", () => new Triangle(double.PositiveInfinity), "surrogate gamma must be finite and > 0" },
        { "pq alpha 0", () => new PiecewiseQuadratic(0), "surrogate alpha must be finite and > 0 (got 0)" },
        { "fast-sigmoid slope < 0", () => new FastSigmoid(-25), "surrogate slope must be finite and > 0 (got -25)" },
        { "parse with bad parameter", () => Surrogates.Parse("atan", -1), "surrogate alpha must be finite and > 0 (got -1)" },
        { "parse unknown", () => Surrogates.Parse("relu"), "unknown surrogate 'relu' (allowed: atan, sigmoid, rectangle, triangle, piecewise-quadratic, fast-sigmoid)" },
    };

    [Theory]
    [MemberData(nameof(BadSurrogates))]
    public void Surrogate_RejectsBadParameters(string because, Func<Surrogate> make, string expected)
    {
        var e = Assert.Throws<ArgumentException>(make);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{because}: message '{e.Message}' lacks '{expected}'");
    }

    [Fact]
    public void Presets_HaveTheSpecValues()
    {
        // pow2 K = 3: theta / V_th = 1, 1/2, 1/4 and lambda = 1, 1/2, 1/4; uniform K = 4: theta / V_th = 1, 3/4, 1/2, 1/4, lambda = 1/4
        Assert.Equal([1.0, 0.5, 0.25], Cascade3.ThresholdScales.ToArray());
        Assert.Equal([1.0, 0.5, 0.25], Cascade3.LevelWeights.ToArray());
        var uniform = new NeuronOptions { Mode = FiringMode.Parallel, Levels = 4 };
        Assert.Equal([1.0, 0.75, 0.5, 0.25], uniform.ThresholdScales.ToArray());
        Assert.Equal([0.25, 0.25, 0.25, 0.25], uniform.LevelWeights.ToArray());
        Assert.Equal([1.0, 0.6, 0.2], Explicit3.ThresholdScales.ToArray());
        // defaults: single and cascade hard/soft, parallel soft; V_init = V_reset
        Assert.Equal(ResetMode.Hard, new NeuronOptions().EffectiveReset);
        Assert.Equal(ResetMode.Soft, Cascade3.EffectiveReset);
        Assert.Equal(ResetMode.Soft, uniform.EffectiveReset);
        Assert.Equal(-0.5, new NeuronOptions { VReset = -0.5 }.EffectiveVInit);
        // output levels: parallel uniform K = 4 is a thermometer (K + 1 levels), cascade pow2 K = 3 has 2^3 levels
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1.0], uniform.OutputLevels().ToArray());
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75], Cascade3.OutputLevels().ToArray());
    }
}
