using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels.Cuda;

/// <summary>
/// The recompute backward's spec, generated text and selection, without a GPU (its arithmetic is checked by the
/// emulation tests): T is baked into the backward only, the forward is shared with store-H, and
/// <c>MTSNN_CUDA_BACKWARD</c> parses to the documented choices.
/// </summary>
public class CudaRecomputeSpecTests
{
    private static readonly NeuronOptions Cascade = new() { Mode = FiringMode.Cascade, Levels = 4, Dynamics = Dynamics.PLIF };

    [Theory]
    [InlineData(-1)]
    [InlineData(CudaKernelSpec.MaxRecomputeSteps + 1)]
    public void Recompute_steps_outside_0_to_32_are_refused(int steps)
    {
        var e = Assert.Throws<ArgumentException>(() => new CudaKernelSpec(Cascade, ScalarType.Float32, false, true, recomputeSteps: steps));
        Assert.Equal($"recompute steps must be 0 (store-H) or T in 1..32 (got {steps})", e.Message);
    }

    [Fact]
    public void With_recompute_steps_changes_only_the_backward_and_keeps_everything_else()
    {
        var store = new CudaKernelSpec(Cascade, ScalarType.Float16, true, true, 64);
        var eight = store.WithRecomputeSteps(8);
        Assert.Equal((false, 0), (store.Recomputes, store.RecomputeSteps));
        Assert.Equal((true, 8), (eight.Recomputes, eight.RecomputeSteps));
        Assert.Equal((store.Options, store.Storage, store.RuntimeVThreshold, store.RuntimePlifA, store.BlockSize),
            (eight.Options, eight.Storage, eight.RuntimeVThreshold, eight.RuntimePlifA, eight.BlockSize));
        // distinct specs (the launcher's source cache key), equal again once the steps are back to 0
        Assert.NotEqual(store, eight);
        Assert.Equal(store, eight.WithRecomputeSteps(0));
        Assert.NotEqual(eight, store.WithRecomputeSteps(9));
    }

    [Fact]
    public void The_forward_is_shared_and_each_t_is_its_own_backward()
    {
        var store = new CudaKernelSpec(Cascade, ScalarType.Float32, false, true);
        var (f0, b0) = CudaKernelSource.Both(store);
        var (f8, b8) = CudaKernelSource.Both(store.WithRecomputeSteps(8));
        var b9 = CudaKernelSource.Backward(store.WithRecomputeSteps(9));
        // one compiled forward for both variants: same text, same entry (the compile cache's key)
        Assert.Equal(f0, f8);
        Assert.Equal(3, new[] { b0.EntryName, b8.EntryName, b9.EntryName }.Distinct().Count());
        Assert.Contains("const float* __restrict__ hs", b0.Source);
        Assert.DoesNotContain("MT_T", b0.Source);
        Assert.Contains("constexpr int MT_T = 8;", b8.Source);
        Assert.Contains("constexpr int MT_T = 9;", b9.Source);
        Assert.Contains("const mt_storage* __restrict__ x", b8.Source);
        Assert.DoesNotContain("hs[", b8.Source);                  // reads no stored H
        Assert.Contains("float hs_[MT_T];", b8.Source);           // the register array
        Assert.Contains("for (int t = MT_T - 1; t >= 0; --t)", b8.Source);
        // the recomputed charge is the forward's expression, character for character (PLIF, decay_input, V_reset = 0)
        Assert.Equal("const float h = v + (x_t - (v - 0.0f)) * beta;", ChargeLine(f0.Source));
        Assert.Equal(ChargeLine(f0.Source), ChargeLine(b8.Source));
    }

    private static string ChargeLine(string source) =>
        source.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("const float h = ", StringComparison.Ordinal));

    [Theory]
    [InlineData(null, BackwardState.StoreH)]
    [InlineData("", BackwardState.StoreH)]
    [InlineData("auto", BackwardState.StoreH)]
    [InlineData(" Store ", BackwardState.StoreH)]
    [InlineData("store-h", BackwardState.StoreH)]
    [InlineData("RECOMPUTE", BackwardState.Recompute)]
    public void Backward_names_parse_and_auto_is_store_h_until_measured(string? value, BackwardState expected)
    {
        Assert.Equal(expected, CudaBackwardPolicy.Parse(value));
        Assert.Equal(BackwardState.StoreH, CudaBackwardPolicy.Measured);
    }

    [Fact]
    public void An_invalid_backward_name_is_one_line_naming_the_allowed_values()
    {
        var e = Assert.Throws<ArgumentException>(() => CudaBackwardPolicy.Parse("fast"));
        Assert.Equal("invalid MTSNN_CUDA_BACKWARD 'fast' (allowed: store, recompute, auto)", e.Message);
    }

    [Theory]
    [InlineData(BackwardState.Recompute, 1, 1)]
    [InlineData(BackwardState.Recompute, 8, 8)]
    [InlineData(BackwardState.Recompute, 32, 32)]
    [InlineData(BackwardState.Recompute, 33, 0)]   // too long for registers: store-H
    [InlineData(BackwardState.Recompute, 0, 0)]    // no steps: nothing to recompute
    [InlineData(BackwardState.StoreH, 8, 0)]
    public void Recompute_is_baked_for_1_to_32_steps_only(BackwardState state, int steps, int expected) =>
        Assert.Equal(expected, CudaBackwardPolicy.RecomputeStepsFor(state, steps));
}
