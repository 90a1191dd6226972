using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Cuda;

/// <summary>
/// Launches the generated kernels (<see cref="CudaKernelSource"/>) on the memory of contiguous CUDA tensors
/// (<c>[T, N]</c> row-major; <c>N</c> = neurons per step), one thread per neuron, <see cref="CudaKernelSpec.BlockSize"/>
/// threads per block.
/// <para>Stream: kernels are launched on the legacy default stream (stream 0). That is libtorch's current stream
/// unless a program switches streams; TorchSharp 0.107 exposes no stream API, so a TorchSharp program always runs on
/// it and these launches are ordered with every libtorch op (and with the caching allocator's reuse of freed memory).
/// A non-default current stream (possible only from native code sharing the process) is not supported.</para>
/// </summary>
public static unsafe class CudaNeuronKernel
{
    /// <summary>
    /// Forward over <c>T = steps</c>: reads <paramref name="x"/> <c>[T, N]</c> and <paramref name="v0"/> <c>[N]</c>
    /// (storage dtype), writes <paramref name="o"/> <c>[T, N]</c>, <paramref name="vLast"/> <c>[N]</c> (storage dtype) and,
    /// when given, <paramref name="h"/> <c>[T, N]</c> (float32; what a store-H backward reads; null for a recompute
    /// backward) and <paramref name="spikes"/> <c>[T, K, N]</c> (uint8).
    /// <paramref name="parameters"/>: float32 <c>[2]</c> = (a, V_th), required when the spec reads either at run time.
    /// </summary>
    public static void Forward(CudaKernelSpec spec, Tensor x, Tensor v0, Tensor o, Tensor vLast, Tensor? h, Tensor? spikes,
        Tensor? parameters, int steps, long neurons)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int device = DeviceOf(x);
        long tn = (long)steps * neurons;
        Check(x, spec.Storage, tn, device, "X"); Check(v0, spec.Storage, neurons, device, "V[-1]");
        Check(o, spec.Storage, tn, device, "O"); Check(vLast, spec.Storage, neurons, device, "V_last");
        if (h is not null) Check(h, ScalarType.Float32, tn, device, "H");
        if (spikes is not null) Check(spikes, ScalarType.Byte, tn * spec.Options.Levels, device, "spikes");
        CheckParameters(spec, parameters, device);
        if (steps == 0 || neurons == 0) return;
        nint px = Ptr(x), pv0 = Ptr(v0), po = Ptr(o), pvl = Ptr(vLast), ph = Ptr(h), ps = Ptr(spikes), pp = Ptr(parameters);
        long n = neurons;
        void** args = stackalloc void*[] { &px, &pv0, &po, &pvl, &ph, &ps, &pp, &steps, &n };
        Launch(Sources(spec).Forward, spec, device, neurons, args);
    }

    /// <summary>
    /// Backward: reads <paramref name="saved"/> (store-H spec: H, float32 <c>[T, N]</c>; recompute spec: X, storage dtype
    /// <c>[T, N]</c>, with <paramref name="steps"/> = <see cref="CudaKernelSpec.RecomputeSteps"/>), <paramref name="v0"/>, <paramref name="gradO"/> and
    /// <paramref name="gradVLast"/> (null = zeros), writes <paramref name="gradX"/> and, when given, <paramref name="gradV0"/>;
    /// when <paramref name="accumulator"/> (float32 <c>[2]</c>, zeroed by the caller) is given, adds
    /// <c>sum dL/dbeta</c> to [0] (PLIF with runtime a) and <c>sum dL/dV_th</c> to [1].
    /// </summary>
    public static void Backward(CudaKernelSpec spec, Tensor saved, Tensor v0, Tensor? gradO, Tensor? gradVLast, Tensor gradX,
        Tensor? gradV0, Tensor? accumulator, Tensor? parameters, int steps, long neurons)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int device = DeviceOf(saved);
        long tn = (long)steps * neurons;
        if (spec.Recomputes && steps != spec.RecomputeSteps)
            throw new ArgumentException($"this backward recomputes H over T = {spec.RecomputeSteps} steps (got steps = {steps})");
        if (spec.Recomputes) Check(saved, spec.Storage, tn, device, "X");
        else Check(saved, ScalarType.Float32, tn, device, "H");
        Check(v0, spec.Storage, neurons, device, "V[-1]");
        if (gradO is not null) Check(gradO, spec.Storage, tn, device, "dL/dO");
        if (gradVLast is not null) Check(gradVLast, spec.Storage, neurons, device, "dL/dV_last");
        Check(gradX, spec.Storage, tn, device, "dL/dX");
        if (gradV0 is not null) Check(gradV0, spec.Storage, neurons, device, "dL/dV[-1]");
        if (accumulator is not null) Check(accumulator, ScalarType.Float32, 2, device, "accumulator");
        CheckParameters(spec, parameters, device);
        if (neurons == 0) return;
        nint ps = Ptr(saved), pv0 = Ptr(v0), pgo = Ptr(gradO), pgvl = Ptr(gradVLast), pgx = Ptr(gradX), pgv0 = Ptr(gradV0),
            pacc = Ptr(accumulator), pp = Ptr(parameters);
        long n = neurons;
        void** args = stackalloc void*[] { &ps, &pv0, &pgo, &pgvl, &pgx, &pgv0, &pacc, &pp, &steps, &n };
        Launch(Sources(spec).Backward, spec, device, neurons, args);
    }

    /// <summary>
    /// Compiles (NVRTC) and loads the forward and backward kernels of <paramref name="spec"/> on CUDA device
    /// <paramref name="device"/> without launching them, so that a program can pay the compile time up front, or for
    /// many specs at once from several threads (the compile cache is thread-safe).
    /// </summary>
    public static void Prepare(CudaKernelSpec spec, int device = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CudaRuntime.EnsureAvailable();
        var (forward, backward) = Sources(spec);
        CudaCompiler.Function(forward, device);
        CudaCompiler.Function(backward, device);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<CudaKernelSpec, (CudaKernelCode Forward, CudaKernelCode Backward)> SourceCache = new();

    /// <summary>The generated pair for <paramref name="spec"/>, generated once per distinct spec.</summary>
    private static (CudaKernelCode Forward, CudaKernelCode Backward) Sources(CudaKernelSpec spec) =>
        SourceCache.GetOrAdd(spec, CudaKernelSource.Both);

    private static void Launch(CudaKernelCode code, CudaKernelSpec spec, int device, long neurons, void** args)
    {
        CudaRuntime.EnsureAvailable();
        long blocks = (neurons + spec.BlockSize - 1) / spec.BlockSize;
        if (blocks > int.MaxValue) throw new ArgumentException($"too many neurons for one launch ({neurons})");
        nint f = CudaCompiler.Function(code, device);
        CudaCompiler.MakeCurrent(device);
        CudaRuntime.Check(CudaRuntime.CuLaunchKernel(f, (uint)blocks, 1, 1, (uint)spec.BlockSize, 1, 1, 0, 0, args, null),
            $"cuLaunchKernel({code.EntryName})");
    }

    private static nint Ptr(Tensor? t) => t is null ? 0 : TensorMemory.DataPointer(t);

    private static int DeviceOf(Tensor t)
    {
        if (t.device_type != DeviceType.CUDA) throw new ArgumentException($"the CUDA neuron kernel needs CUDA tensors (got one on {t.device})");
        return t.device_index < 0 ? 0 : t.device_index;
    }

    private static void Check(Tensor t, ScalarType dtype, long count, int device, string what)
    {
        if (t.device_type != DeviceType.CUDA || Math.Max(0, t.device_index) != device)
            throw new ArgumentException($"{what} must be on cuda:{device} (got {t.device})");
        if (t.dtype != dtype) throw new ArgumentException($"{what} must be {dtype} (got {t.dtype})");
        if (t.numel() != count) throw new ArgumentException($"{what} must have {count} elements (got {t.numel()})");
        if (!t.is_contiguous()) throw new ArgumentException($"{what} must be contiguous");
    }

    private static void CheckParameters(CudaKernelSpec spec, Tensor? parameters, int device)
    {
        if (parameters is not null) Check(parameters, ScalarType.Float32, 2, device, "parameters (a, V_th)");
        else if (spec.RuntimePlifA || spec.RuntimeVThreshold)
            throw new ArgumentException("this kernel reads a and V_th at run time: pass parameters, a float32 [2] tensor (a, V_th)");
    }
}
