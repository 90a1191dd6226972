using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Cuda;

/// <summary>
/// What one generated CUDA kernel pair is specialised for: the neuron options (K, thresholds, weights, dynamics,
/// mode, reset, detach_reset, surrogate are compile-time constants), the storage dtype of <c>X</c>, <c>O</c>, <c>V</c>
/// and their gradients (float32, float16 or bfloat16; the math is float32 throughout), whether V_th and PLIF's
/// <c>a</c> are read at run time (trainable: their values change every step, so they are kernel inputs, not
/// constants), the thread-block size, and what the backward reads: H saved by the forward (store-H,
/// <see cref="RecomputeSteps"/> = 0) or X, from which it recomputes H for a fixed T (<see cref="RecomputeSteps"/> = T).
/// </summary>
public sealed record CudaKernelSpec
{
    /// <summary>Threads per block used by <see cref="CudaNeuronKernel"/>.</summary>
    public const int DefaultBlockSize = 256;

    /// <summary>
    /// The largest T of the recompute backward: it keeps <c>H[0..T-1]</c> of its neuron in registers (one float each),
    /// so T is a compile-time constant and bounded; a longer sequence uses store-H.
    /// </summary>
    public const int MaxRecomputeSteps = 32;

    /// <summary>Creates and validates a spec.</summary>
    /// <exception cref="ArgumentException">An option is invalid, the dtype is not float32/float16/bfloat16, the block size is not a power of two in 32..1024, or
    /// <paramref name="recomputeSteps"/> is outside 0..<see cref="MaxRecomputeSteps"/>.</exception>
    public CudaKernelSpec(NeuronOptions options, ScalarType storage, bool runtimeVThreshold, bool runtimePlifA, int blockSize = DefaultBlockSize,
        int recomputeSteps = 0)
        : this(new Validated((options ?? throw new ArgumentNullException(nameof(options))).Validate()), storage, runtimeVThreshold, runtimePlifA, blockSize, recomputeSteps)
    {
    }

    /// <summary>A spec for options resolved once (a module's): they are not validated again.</summary>
    internal CudaKernelSpec(ResolvedNeuronOptions resolved, ScalarType storage, bool runtimeVThreshold, bool runtimePlifA, int blockSize = DefaultBlockSize,
        int recomputeSteps = 0)
        : this(new Validated(resolved.Options), storage, runtimeVThreshold, runtimePlifA, blockSize, recomputeSteps)
    {
    }

    private CudaKernelSpec(Validated validated, ScalarType storage, bool runtimeVThreshold, bool runtimePlifA, int blockSize, int recomputeSteps)
    {
        var options = validated.Options;
        Options = options;
        if (storage is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"the CUDA neuron kernel stores float32, float16 or bfloat16 (got {storage})");
        if (blockSize < 32 || blockSize > 1024 || (blockSize & (blockSize - 1)) != 0)
            throw new ArgumentException($"block size must be a power of two in 32..1024 (got {blockSize})");
        if (recomputeSteps < 0 || recomputeSteps > MaxRecomputeSteps)
            throw new ArgumentException($"recompute steps must be 0 (store-H) or T in 1..{MaxRecomputeSteps} (got {recomputeSteps})");
        Storage = storage;
        RuntimeVThreshold = runtimeVThreshold;
        RuntimePlifA = runtimePlifA && options.Dynamics == Dynamics.PLIF;
        BlockSize = blockSize;
        RecomputeSteps = recomputeSteps;
    }

    /// <summary>The neuron options (validated).</summary>
    public NeuronOptions Options { get; }
    /// <summary>Element type of X, V[-1], O, V_last, dL/dO, dL/dV_last, dL/dX, dL/dV[-1] (H is always float32).</summary>
    public ScalarType Storage { get; }
    /// <summary>V_th is read from <c>params[1]</c> (a trainable V_th) instead of baked in.</summary>
    public bool RuntimeVThreshold { get; }
    /// <summary>PLIF's <c>a</c> is read from <c>params[0]</c> and <c>dL/dbeta</c> is reduced (PLIF only).</summary>
    public bool RuntimePlifA { get; }
    /// <summary>Threads per block (a power of two; the backward's reduction is sized by it).</summary>
    public int BlockSize { get; }
    /// <summary>
    /// 0: store-H (the forward writes H, the backward reads it, any T). T &gt; 0: recompute (the backward reads X and
    /// V[-1], re-runs the forward of its neuron over exactly T steps into registers, then runs BPTT; the forward writes
    /// no H). The forward kernel is the same for both.
    /// </summary>
    public int RecomputeSteps { get; }
    /// <summary>The backward recomputes H from X (<see cref="RecomputeSteps"/> &gt; 0).</summary>
    public bool Recomputes => RecomputeSteps > 0;
    /// <summary>This spec with the backward of <paramref name="recomputeSteps"/> (0 = store-H); everything else equal.</summary>
    public CudaKernelSpec WithRecomputeSteps(int recomputeSteps) =>
        new(Options, Storage, RuntimeVThreshold, RuntimePlifA, BlockSize, recomputeSteps);
    /// <summary>Bytes per stored element.</summary>
    public int ElementSize => Storage == ScalarType.Float32 ? 4 : 2;

    /// <summary>Options that have passed <see cref="NeuronOptions.Validate"/>.</summary>
    private readonly record struct Validated(NeuronOptions Options);
}

/// <summary>One generated kernel: its <c>extern "C"</c> entry name (unique per source text) and the CUDA C source.</summary>
/// <param name="EntryName">The <c>__global__</c> function to look up (<c>mtsnn_fwd_&lt;hash&gt;</c> / <c>mtsnn_bwd_&lt;hash&gt;</c>).</param>
/// <param name="Source">Self-contained CUDA C++ (no includes), compiled by NVRTC on the GPU and by g++ with a shim in tests.</param>
public sealed record CudaKernelCode(string EntryName, string Source);
