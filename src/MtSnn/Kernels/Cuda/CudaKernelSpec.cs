using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Cuda;

/// <summary>
/// What one generated CUDA kernel pair is specialised for: the neuron options (K, thresholds, weights, dynamics,
/// mode, reset, detach_reset, surrogate are compile-time constants), the storage dtype of <c>X</c>, <c>O</c>, <c>V</c>
/// and their gradients (float32, float16 or bfloat16; the math is float32 throughout), whether V_th and PLIF's
/// <c>a</c> are read at run time (trainable: their values change every step, so they are kernel inputs, not
/// constants), and the thread-block size.
/// </summary>
public sealed record CudaKernelSpec
{
    /// <summary>Threads per block used by <see cref="CudaNeuronKernel"/>.</summary>
    public const int DefaultBlockSize = 256;

    /// <summary>Creates and validates a spec.</summary>
    /// <exception cref="ArgumentException">An option is invalid, the dtype is not float32/float16/bfloat16, or the block size is not a power of two in 32..1024.</exception>
    public CudaKernelSpec(NeuronOptions options, ScalarType storage, bool runtimeVThreshold, bool runtimePlifA, int blockSize = DefaultBlockSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        if (storage is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"the CUDA neuron kernel stores float32, float16 or bfloat16 (got {storage})");
        if (blockSize < 32 || blockSize > 1024 || (blockSize & (blockSize - 1)) != 0)
            throw new ArgumentException($"block size must be a power of two in 32..1024 (got {blockSize})");
        Storage = storage;
        RuntimeVThreshold = runtimeVThreshold;
        RuntimePlifA = runtimePlifA && options.Dynamics == Dynamics.PLIF;
        BlockSize = blockSize;
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
    /// <summary>Bytes per stored element.</summary>
    public int ElementSize => Storage == ScalarType.Float32 ? 4 : 2;
}

/// <summary>One generated kernel: its <c>extern "C"</c> entry name (unique per source text) and the CUDA C source.</summary>
/// <param name="EntryName">The <c>__global__</c> function to look up (<c>mtsnn_fwd_&lt;hash&gt;</c> / <c>mtsnn_bwd_&lt;hash&gt;</c>).</param>
/// <param name="Source">Self-contained CUDA C++ (no includes), compiled by NVRTC on the GPU and by g++ with a shim in tests.</param>
public sealed record CudaKernelCode(string EntryName, string Source);
