using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Kernels;

/// <summary>The outputs of a fused multi-step call: <c>O [T, ...]</c>, <c>V_last [...]</c> and, when asked, <c>S [T, K, ...]</c> as bytes.</summary>
public sealed record FusedNeuronOutput(Tensor Output, Tensor VLast, Tensor? Spikes);

/// <summary>
/// The one place that picks a fused kernel for the multi-threshold neuron (MT-SNN.md §2) over a whole sequence.
/// CPU float32 tensors run <see cref="CpuNeuronKernel"/> through a custom autograd function; CUDA float32, float16 and
/// bfloat16 tensors run <see cref="CudaNeuronKernel"/> (when <see cref="CudaRuntime.Availability"/> is true); other
/// devices and dtypes are refused.
/// </summary>
public static class FusedNeuron
{
    /// <summary>
    /// Runs the neuron over <c>x [T, B, ...]</c> from membrane <paramref name="v0"/> (<c>[B, ...]</c> or one element),
    /// differentiable in <paramref name="x"/>, <paramref name="v0"/>, <paramref name="plifA"/> (PLIF's <c>a</c>, one
    /// element; null = initial <c>a</c> of <see cref="NeuronOptions.Tau"/>) and <paramref name="vth"/> (a trainable V_th,
    /// one element; null = <see cref="NeuronOptions.VThreshold"/>). <paramref name="state"/> picks what forward keeps for
    /// backward; null: on the CPU H (measured faster than recomputing it; same memory as keeping X), on CUDA
    /// <see cref="CudaBackwardPolicy.Default"/> (<c>MTSNN_CUDA_BACKWARD</c>; CUDA recomputes only for T up to
    /// <see cref="CudaKernelSpec.MaxRecomputeSteps"/>).
    /// </summary>
    /// <exception cref="NotSupportedException">x is neither a float32 CPU tensor nor a float32/float16/bfloat16 CUDA tensor
    /// with the CUDA runtime available (the message says what is missing).</exception>
    public static FusedNeuronOutput MultiStep(Tensor x, Tensor v0, NeuronOptions options, Tensor? plifA = null, Tensor? vth = null,
        bool withSpikes = false, BackwardState? state = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return MultiStepResolved(x, v0, options.Resolve(), plifA, vth, withSpikes, state);
    }

    /// <summary><see cref="MultiStep(Tensor, Tensor, NeuronOptions, Tensor?, Tensor?, bool, BackwardState?)"/> on options resolved once (a module's): no validation per call.</summary>
    internal static FusedNeuronOutput MultiStepResolved(Tensor x, Tensor v0, ResolvedNeuronOptions options, Tensor? plifA = null, Tensor? vth = null,
        bool withSpikes = false, BackwardState? state = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(v0);
        if (NeuronDispatch.IsCudaKernelInput(x)) return MultiStepCuda(x, v0, options, plifA, vth, withSpikes, state);
        if (x.device_type != DeviceType.CPU || x.dtype != ScalarType.Float32)
            throw new NotSupportedException($"fused neuron kernels need a float32 CPU tensor (got {x.dtype} on {x.device}); use the composed neuron for other devices and dtypes");
        if (x.dim() < 1) throw new ArgumentException($"x must be [T, ...] with at least one dimension (got a {x.dim()}-d tensor)");
        long perStep = x.shape[0] == 0 ? 0 : x.numel() / x.shape[0];
        if (v0.numel() != 1 && v0.numel() != perStep)
            throw new ArgumentException($"v0 must have one element or as many as one step of x ({perStep}); got {v0.numel()}");
        if (v0.device_type != DeviceType.CPU) throw new NotSupportedException($"v0 must be on the CPU with x (got {v0.device})");
        CheckScalar(plifA, "PLIF a");
        CheckScalar(vth, "V_th");
        // No dispose scope of our own here: TorchSharp keeps per-output tensors on the autograd node (to materialise
        // missing output gradients), and they must live as long as the graph. Everything lands in the caller's scope.
        var outs = FusedNeuronFunction.apply(x, v0, plifA!, vth!, new FusedCall(options, state ?? BackwardState.StoreH, withSpikes));
        return new FusedNeuronOutput(outs[0], outs[1], withSpikes ? outs[2] : null);
    }

    private static FusedNeuronOutput MultiStepCuda(Tensor x, Tensor v0, ResolvedNeuronOptions options, Tensor? plifA, Tensor? vth,
        bool withSpikes, BackwardState? state)
    {
        if (CudaRuntime.Availability is { Available: false } a)
            throw new NotSupportedException($"the fused CUDA neuron kernel cannot run: {a.Reason}; use the composed reference (backend auto or reference)");
        if (x.dim() < 1) throw new ArgumentException($"x must be [T, ...] with at least one dimension (got a {x.dim()}-d tensor)");
        long perStep = x.shape[0] == 0 ? 0 : x.numel() / x.shape[0];
        if (v0.numel() != 1 && v0.numel() != perStep)
            throw new ArgumentException($"v0 must have one element or as many as one step of x ({perStep}); got {v0.numel()}");
        if (v0.device_type != DeviceType.CUDA) throw new NotSupportedException($"v0 must be on the GPU with x (got {v0.device})");
        CheckScalar(plifA, "PLIF a");
        CheckScalar(vth, "V_th");
        var outs = FusedCudaNeuronFunction.apply(x, v0, plifA!, vth!, new FusedCall(options, state ?? CudaBackwardPolicy.Default, withSpikes));
        return new FusedNeuronOutput(outs[0], outs[1], withSpikes ? outs[2] : null);
    }

    private static void CheckScalar(Tensor? t, string what)
    {
        if (t is not null && t.numel() != 1) throw new ArgumentException($"{what} must be a one-element tensor (got {t.numel()} elements)");
    }
}
