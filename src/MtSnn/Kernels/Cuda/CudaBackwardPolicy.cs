using MtSnn.Settings;

namespace MtSnn.Kernels.Cuda;

/// <summary>
/// What the fused CUDA neuron keeps for its backward when the caller does not say (<see cref="FusedNeuron.MultiStep"/>
/// with no <c>state</c>): <see cref="BackwardState.StoreH"/> (the forward writes <c>H [T, N]</c> float32, the backward
/// reads it) or <see cref="BackwardState.Recompute"/> (the forward writes no H; autograd saves X and the backward
/// re-runs the forward of each neuron in registers, for <c>1 &lt;= T &lt;= </c><see cref="CudaKernelSpec.MaxRecomputeSteps"/>;
/// longer sequences use store-H).
/// <para>Traffic per neuron-step with storage element size <c>s</c>: store-H <c>4 s + 8</c> bytes (X, O, H written;
/// H, dL/dO read, dL/dX written: 24 in float32, 16 in float16/bfloat16), recompute <c>5 s</c> (X, O; X, dL/dO, dL/dX:
/// 20 in float32, 10 in float16/bfloat16); <c>mtsnn bench neuron --device cuda</c> reports both (<c>bytes_per_neuron_step</c>,
/// <c>recompute_bytes_per_neuron_step</c>).
/// Memory held between forward and backward: H (<c>4 T N</c> bytes, a new tensor) versus X (<c>s T N</c>, the input).</para>
/// <para>The default is store-H until a GPU measurement decides: <c>MTSNN_CUDA_BACKWARD=auto</c> (or unset) means
/// <see cref="Measured"/>, which is store-H for now; a GPU session that times both variants
/// (<c>mtsnn bench neuron --device cuda</c>: <c>fused_ms</c> versus <c>fused_recompute_ms</c>) sets it.</para>
/// </summary>
public static class CudaBackwardPolicy
{
    /// <summary>Environment variable for <see cref="Default"/> (parsed once, by <see cref="MtSnnSettings"/>): <c>store</c>, <c>recompute</c> or <c>auto</c>.</summary>
    public const string Variable = "MTSNN_CUDA_BACKWARD";

    /// <summary>The allowed values of <see cref="Variable"/>, for messages.</summary>
    public const string AllowedValues = "store, recompute, auto";

    /// <summary>What <c>auto</c> picks: the faster variant on a GPU. Store-H until measured (see the class remarks).</summary>
    public static BackwardState Measured => BackwardState.StoreH;

    private static BackwardState? _default;

    /// <summary>
    /// The state the CUDA path keeps when none is asked for: the value set here, else <see cref="MtSnnSettings.CudaBackward"/>
    /// (<c>$MTSNN_CUDA_BACKWARD</c>; unset or empty: <c>auto</c>).
    /// </summary>
    /// <exception cref="SettingException">Nothing was set here and the environment variable holds another value (the message names the allowed ones).</exception>
    public static BackwardState Default
    {
        get => _default ?? MtSnnSettings.Current.CudaBackward;
        set => _default = value;
    }

    /// <summary>The name of a state as <see cref="Variable"/> spells it: <c>store</c> or <c>recompute</c>.</summary>
    public static string Name(BackwardState state) => state switch
    {
        BackwardState.StoreH => "store",
        BackwardState.Recompute => "recompute",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, $"unknown backward state {state}"),
    };

    /// <summary>Parses <c>store</c> (also <c>store-h</c>), <c>recompute</c> or <c>auto</c> (null or empty: <c>auto</c> = <see cref="Measured"/>).</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    public static BackwardState Parse(string? value) => (value ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "auto" => Measured,
        "store" or "store-h" => BackwardState.StoreH,
        "recompute" => BackwardState.Recompute,
        _ => throw new ArgumentException($"invalid {Variable} '{value}' (allowed: {AllowedValues})"),
    };

    /// <summary>
    /// The <see cref="CudaKernelSpec.RecomputeSteps"/> for a call over <paramref name="steps"/> steps that asks for
    /// <paramref name="state"/>: <paramref name="steps"/> when recomputing and <c>1 &lt;= T &lt;= </c><see cref="CudaKernelSpec.MaxRecomputeSteps"/>, else 0 (store-H).
    /// </summary>
    public static int RecomputeStepsFor(BackwardState state, int steps) =>
        state == BackwardState.Recompute && steps >= 1 && steps <= CudaKernelSpec.MaxRecomputeSteps ? steps : 0;
}
