using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Cli.Benchmarks;

/// <summary>
/// The CUDA target of <see cref="DeviceNeuronBenchmark"/>: the raw kernels are <see cref="CudaNeuronKernel.Forward"/> and
/// <see cref="CudaNeuronKernel.Backward"/> on preallocated buffers, called exactly as
/// <see cref="FusedNeuron.MultiStep"/> calls them (PLIF reads <c>a</c> at run time and reduces <c>dL/dbeta</c> into a
/// zeroed accumulator); the barrier is <c>torch.cuda.synchronize</c>. Both backward variants are timed: store-H
/// (<c>fused_ms</c>) and, for <c>T &lt;= </c><see cref="CudaKernelSpec.MaxRecomputeSteps"/>, recompute
/// (<c>fused_recompute_ms</c>: the same forward without H, the backward reading X).
/// </summary>
public static class CudaBenchmarkTarget
{
    /// <summary>The target on <c>cuda:<paramref name="deviceIndex"/></c> storing <paramref name="dtype"/>.</summary>
    /// <exception cref="NotSupportedException">The CUDA kernel cannot run here (the message says why).</exception>
    /// <exception cref="ArgumentException">The dtype is not float32, float16 or bfloat16.</exception>
    public static BenchmarkTarget Create(int deviceIndex, ScalarType dtype)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"the CUDA neuron kernel stores {BenchmarkTarget.AllowedDtypes} (got {dtype})");
        if (CudaRuntime.Availability is { Available: false } a)
            throw new NotSupportedException($"the CUDA neuron kernel cannot run: {a.Reason}");
        var device = torch.device(DeviceType.CUDA, deviceIndex);
        string description = $"{CudaRuntime.DescribeDevice(deviceIndex)} (cuda:{deviceIndex}); {CudaRuntime.Availability.Reason}";
        return new BenchmarkTarget(device, dtype, description, Kernels, RepeatTimer.For(device));
    }

    /// <summary>
    /// Bytes per neuron-step the kernel pair moves, counted from <see cref="CudaKernelSource"/>: the forward reads
    /// X and writes O (storage dtype) and H (float32); the backward reads H (each step once: the step's H stays in a
    /// register, the previous one is loaded) and dL/dO, and writes dL/dX (storage dtype). Per-neuron terms (V[-1],
    /// V_last, dL/dV[-1]) are spread over T and left out: <c>4 s + 8</c> with <c>s</c> the storage element size
    /// (float32: 24, float16 / bfloat16: 16).
    /// </summary>
    public static double BytesPerNeuronStep(ScalarType dtype) => 4 * ElementSize(dtype) + 2 * sizeof(float);

    /// <summary>
    /// Bytes per neuron-step of the recompute pair, counted the same way: the forward reads X and writes O; the backward
    /// reads X again (to recompute H in registers) and dL/dO and writes dL/dX, all in the storage dtype: <c>5 s</c>
    /// (float32: 20, float16 / bfloat16: 10).
    /// </summary>
    public static double RecomputeBytesPerNeuronStep(ScalarType dtype) => 5 * ElementSize(dtype);

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        _ => throw new ArgumentException($"the CUDA neuron kernel stores {BenchmarkTarget.AllowedDtypes} (got {dtype})"),
    };

    private static FusedKernelRun Kernels(NeuronOptions options, Tensor x, Tensor gradO)
    {
        bool plif = options.Dynamics == Dynamics.PLIF;
        var spec = new CudaKernelSpec(options, x.dtype, runtimeVThreshold: false, runtimePlifA: plif);
        int steps = (int)x.shape[0];
        long neurons = x.numel() / steps;
        var device = x.device;
        var v0 = zeros(neurons, x.dtype, device);
        var o = empty_like(x);
        var vLast = empty(neurons, x.dtype, device);
        var h = empty(x.shape, float32, device);
        var gX = empty_like(x);
        var gV0 = empty(neurons, x.dtype, device);
        // (a, V_th) as FusedCudaNeuronFunction passes them; V_th is not read (a compile-time constant here).
        var parameters = plif ? tensor(new[] { (float)KernelParameters.From(options).PlifA, 0f }, float32, device) : null;
        var accumulator = plif ? zeros(2, float32, device) : null;
        void Forward() => CudaNeuronKernel.Forward(spec, x, v0, o, vLast, h, null, parameters, steps, neurons);
        void ForwardBackward()
        {
            Forward();
            accumulator?.zero_();
            CudaNeuronKernel.Backward(spec, h, v0, gradO, null, gX, gV0, accumulator, parameters, steps, neurons);
        }
        int recomputeSteps = CudaBackwardPolicy.RecomputeStepsFor(BackwardState.Recompute, steps);
        if (recomputeSteps == 0) return new FusedKernelRun(Forward, ForwardBackward, BytesPerNeuronStep(x.dtype));
        var recompute = spec.WithRecomputeSteps(recomputeSteps);
        void RecomputeForwardBackward()
        {
            CudaNeuronKernel.Forward(recompute, x, v0, o, vLast, null, null, parameters, steps, neurons);
            accumulator?.zero_();
            CudaNeuronKernel.Backward(recompute, x, v0, gradO, null, gX, gV0, accumulator, parameters, steps, neurons);
        }
        return new FusedKernelRun(Forward, ForwardBackward, BytesPerNeuronStep(x.dtype), RecomputeForwardBackward, RecomputeBytesPerNeuronStep(x.dtype));
    }
}
