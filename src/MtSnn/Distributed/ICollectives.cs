using static TorchSharp.torch;

namespace MtSnn.Distributed;

/// <summary>The reduction of an allreduce.</summary>
public enum ReduceOp
{
    /// <summary>Element-wise sum.</summary>
    Sum,
    /// <summary>Element-wise maximum.</summary>
    Max,
    /// <summary>Element-wise minimum.</summary>
    Min,
}

/// <summary>
/// The collectives data-parallel training needs, on a tensor's own memory (no copies): in-place allreduce, broadcast from
/// a root, barrier, and abort of the whole job. Tensors must be contiguous, float32, float64 or int64, on the device the
/// backend serves (host memory for MPI, the rank's CUDA device for NCCL). Every rank calls every collective in the same
/// order with tensors of the same shape.
/// </summary>
public interface ICollectives : IDisposable
{
    /// <summary>Backend name (<c>mpi</c>, <c>nccl</c>) and version, for logs.</summary>
    string Description { get; }
    /// <summary>This process's rank.</summary>
    int Rank { get; }
    /// <summary>Number of ranks.</summary>
    int WorldSize { get; }
    /// <summary>Replaces <paramref name="tensor"/> by the reduction over all ranks of their tensors.</summary>
    void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum);
    /// <summary>Replaces <paramref name="tensor"/> on every rank by rank <paramref name="root"/>'s.</summary>
    void Broadcast(Tensor tensor, int root = 0);
    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();
    /// <summary>Ends every rank of the job with exit code <paramref name="exitCode"/> (MPI_Abort, ncclCommAbort then exit).</summary>
    void Abort(int exitCode);
}
