using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Cli.Benchmarks;

/// <summary>
/// The fused kernels of one case, prepared on preallocated buffers: <see cref="Forward"/> runs the forward over all
/// T, <see cref="ForwardBackward"/> the forward and the BPTT backward (store-H); <see cref="RecomputeForwardBackward"/>,
/// where the target has it, the variant whose forward writes no H and whose backward recomputes it from X; none
/// allocates per call.
/// </summary>
/// <param name="Forward">One forward over <c>X [T, N]</c>.</param>
/// <param name="ForwardBackward">One forward and one backward (from the given <c>dL/dO</c>), store-H.</param>
/// <param name="BytesPerNeuronStep">Logical bytes the store-H pair moves per neuron-step (read + written), for GB/s.</param>
/// <param name="RecomputeForwardBackward">The recompute pair (<c>fused_recompute_ms</c>); null: not timed.</param>
/// <param name="RecomputeBytesPerNeuronStep">Logical bytes the recompute pair moves per neuron-step; null with it.</param>
public sealed record FusedKernelRun(Action Forward, Action ForwardBackward, double BytesPerNeuronStep,
    Action? RecomputeForwardBackward = null, double? RecomputeBytesPerNeuronStep = null);

/// <summary>
/// Prepares <see cref="FusedKernelRun"/> for <paramref name="options"/> on <paramref name="x"/> and
/// <paramref name="gradO"/> (contiguous <c>[T, N]</c>, the target's device and dtype). Buffers it allocates belong to
/// the caller's dispose scope.
/// </summary>
public delegate FusedKernelRun FusedKernelFactory(NeuronOptions options, Tensor x, Tensor gradO);

/// <summary>
/// Where <see cref="DeviceNeuronBenchmark"/> runs: the device and storage dtype of the tensors, a one-line description
/// of the machine for the report, the raw fused kernels, and the timer (with the device's barrier).
/// </summary>
/// <param name="Device">Device of every tensor.</param>
/// <param name="Dtype">Storage dtype of X, dL/dO and the outputs (float32, float16 or bfloat16).</param>
/// <param name="Description">The report's <c>device</c> field.</param>
/// <param name="Kernels">The raw kernels ("fused_ms").</param>
/// <param name="Timer">The measuring loop; its barrier must wait for the device.</param>
public sealed record BenchmarkTarget(Device Device, ScalarType Dtype, string Description, FusedKernelFactory Kernels, RepeatTimer Timer)
{
    /// <summary>The dtype's name as the JSON and <c>--dtype</c> spell it.</summary>
    public string DtypeName => NameOf(Dtype);

    /// <summary><c>float32</c>, <c>float16</c>, <c>bfloat16</c> (other dtypes: their TorchSharp name in lower case).</summary>
    public static string NameOf(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        _ => dtype.ToString().ToLowerInvariant(),
    };

    /// <summary>The allowed names of <see cref="ParseDtype"/>, for messages.</summary>
    public const string AllowedDtypes = "float32, float16, bfloat16";

    /// <summary>Parses <c>float32</c>, <c>float16</c> or <c>bfloat16</c> (also <c>fp32</c>, <c>fp16</c>, <c>half</c>, <c>bf16</c>).</summary>
    /// <exception cref="ArgumentException">Any other name (the message lists the allowed ones).</exception>
    public static ScalarType ParseDtype(string name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "float" => ScalarType.Float32,
        "float16" or "fp16" or "half" => ScalarType.Float16,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"invalid dtype '{name}' (allowed: {AllowedDtypes})"),
    };
}
