using System.Text.Json.Nodes;
using MtSnn.Neurons;
using MtSnn.Training;
using Xunit;
using static MtSnn.Tests.Neurons.NeuronTestTensors;
using static TorchSharp.torch;

namespace MtSnn.Tests.Neurons;

/// <summary>
/// Per-level surrogate scaling (<see cref="SurrogateWidth"/>, <see cref="NeuronOptions.NormalizeLevelGradient"/>):
/// the spacings and gains against values worked out by hand from MT-SNN.md §2's presets, and the reference's backward
/// against <c>dO/dX = sum_k lambda_k m_k g((X - theta_k) / s_k)</c> written out with ATan(2), <c>g(u) = 1 / (1 + (pi u)^2)</c>.
/// The fused kernels are compared with the reference and the scalar oracle on these options by the KernelCases theories.
/// </summary>
public class LevelSurrogateTests
{
    public LevelSurrogateTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    /// <summary>ATan(2)'s derivative, written out once for the neuron tests.</summary>
    private static double G(double u) => NeuronGradientTests.G(u);

    [Fact]
    public void Spacings_are_the_cascade_residual_steps_and_the_parallel_threshold_gaps()
    {
        Assert.Equal([1, 0.5, 0.25, 0.125], new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4 }.Validate().LevelSpacings.ToArray());
        Assert.Equal([0.25, 0.25, 0.25, 0.25], new NeuronOptions { Mode = FiringMode.Parallel, Levels = 4 }.Validate().LevelSpacings.ToArray());
        // parallel pow2 K = 3: thresholds 1, 1/2, 1/4 -> gaps 1/2, 1/4, 1/4 (the last to 0)
        Assert.Equal([0.5, 0.25, 0.25], new NeuronOptions { Mode = FiringMode.Parallel, Levels = 3, Preset = ThresholdPreset.Pow2 }.Validate().LevelSpacings.ToArray());
        Assert.Equal([1.0], new NeuronOptions().Validate().LevelSpacings.ToArray());
    }

    [Fact]
    public void Gains_keep_unit_area_per_level_and_normalising_divides_by_the_weight_sum()
    {
        var fixedWidth = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4 }.Validate();
        Assert.Equal([1, 1, 1, 1], fixedWidth.SurrogateLevelWidths.ToArray());
        Assert.Equal([1, 1, 1, 1], fixedWidth.SurrogateLevelGains.ToArray());
        Assert.All(fixedWidth.LevelSurrogates, s => Assert.Same(fixedWidth.Surrogate, s));
        var spaced = fixedWidth with { SurrogateWidth = SurrogateWidth.Spacing, NormalizeLevelGradient = true };
        Assert.Equal([1, 0.5, 0.25, 0.125], spaced.SurrogateLevelWidths.ToArray());
        // sum of the pow2 weights for K = 4: 1 + 1/2 + 1/4 + 1/8 = 1.875
        Assert.Equal([.. new[] { 1 / 1.875, 2 / 1.875, 4 / 1.875, 8 / 1.875 }.Select(v => Math.Round(v, 12))], spaced.SurrogateLevelGains.Select(v => Math.Round(v, 12)).ToArray());
        Assert.Equal([.. new[] { 1 / 1.875, 1 / 1.875, 1 / 1.875, 1 / 1.875 }.Select(v => Math.Round(v, 12))], (fixedWidth with { NormalizeLevelGradient = true }).SurrogateLevelGains.Select(v => Math.Round(v, 12)).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reference_backward_of_parallel_uniform_follows_the_scaled_surrogates(bool normalize)
    {
        // IF, T = 1, V = 0: H = X. Uniform K = 4: theta = 1, 3/4, 1/2, 1/4, lambda = 1/4, s = 1/4, m = 4 (/ 1 when normalised: sum lambda = 1)
        var o = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Parallel, Levels = 4, SurrogateWidth = SurrogateWidth.Spacing, NormalizeLevelGradient = normalize }.Validate();
        foreach (double x in new[] { 0.6, 0.3, 1.1 })
        {
            using var scope = NewDisposeScope();
            var input = Sequence([x]).requires_grad_();
            ReferenceNeuron.MultiStep(input, zeros(1, dtype: float64), o).O.sum().backward();
            double expected = new[] { 1.0, 0.75, 0.5, 0.25 }.Sum(theta => 0.25 * 4 * G((x - theta) / 0.25));
            Assert.Equal(expected, Values(input.grad!)[0], 12);
        }
    }

    [Fact]
    public void Reference_backward_of_cascade_pow2_scales_each_level_by_its_own_spacing()
    {
        // IF, T = 1, K = 2 cascade pow2, X below both thresholds (nothing fires, so R_2 = R_1 = X in forward):
        // with s = 1, 1/2 and m = 1, 2
        var o = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 2, SurrogateWidth = SurrogateWidth.Spacing }.Validate();
        using var scope = NewDisposeScope();
        var input = Sequence([0.2]).requires_grad_();
        ReferenceNeuron.MultiStep(input, zeros(1, dtype: float64), o).O.sum().backward();
        // the residual term: dR_2/dX = 1 - lambda_1 dS_1/dX, so level 2 contributes lambda_2 m_2 g(u_2 / s_2) (1 - lambda_1 g(u_1))
        double g1 = G(0.2 - 1), g2 = 2 * G((0.2 - 0.5) / 0.5);
        Assert.Equal(1.0 * g1 + 0.5 * g2 * (1 - 1.0 * g1), Values(input.grad!)[0], 12);
    }

    [Fact]
    public void Options_round_trip_through_json_and_a_level_surrogate_is_not_a_surrogate_option()
    {
        var o = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4, SurrogateWidth = SurrogateWidth.Spacing, NormalizeLevelGradient = true }.Validate();
        var json = new JsonObject();
        NeuronOptionsJson.Write(o, json);
        Assert.Equal("spacing", json["surrogate-width"]!.GetValue<string>());
        var back = NeuronOptionsJson.Read(json);
        Assert.Equal(SurrogateWidth.Spacing, back.SurrogateWidth);
        Assert.True(back.NormalizeLevelGradient);
        var e = Assert.Throws<ArgumentException>(() => (o with { Surrogate = new LevelSurrogate(new ATan(), 0.5, 2) }).Validate());
        Assert.Contains("per-level scaling", e.Message);
    }
}
