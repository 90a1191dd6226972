using System.Runtime.InteropServices;
using MtSnn.Kernels.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Distributed;

/// <summary>
/// The NCCL backend: <c>libnccl.so.2</c> through P/Invoke on CUDA tensors' device memory, on the legacy default stream
/// (stream 0), which is libtorch's current stream in a TorchSharp program (TorchSharp 0.107 has no stream API), so the
/// collectives are ordered after the kernels that produced the gradients and before those that read them. The library is
/// <c>MTSNN_NCCL_LIB</c> when set, else <c>nvidia/nccl/lib/libnccl.so.2</c> of the PyTorch wheel next to
/// <c>MTSNN_LIBTORCH</c>, else <c>libnccl.so.2</c> for the system loader. The <c>ncclUniqueId</c> reaches the ranks through
/// MPI under mpirun, else through <see cref="TcpRendezvous"/> at MASTER_ADDR:MASTER_PORT. A watchdog polls
/// <c>ncclCommGetAsyncError</c> every second: on a failed peer it aborts the communicator and ends the process with one line.
/// </summary>
public sealed unsafe class NcclCollectives : ICollectives
{
    /// <summary>The variable that overrides the library path.</summary>
    public const string LibraryVariable = "MTSNN_NCCL_LIB";
    private const int IdBytes = 128, Float32 = 7, Float64 = 8, Int64 = 4, Sum = 0, Max = 2, Min = 3;

    private readonly nint _comm;
    private readonly Device _device;
    private readonly MpiCollectives? _mpi;
    private readonly delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> _broadcast;
    private readonly delegate* unmanaged<nint, int> _abort, _destroy;
    private readonly delegate* unmanaged<nint, int*, int> _asyncError;
    private readonly delegate* unmanaged<int, nint> _errorString;
    private readonly Thread _watchdog;
    private volatile bool _disposed;

    /// <summary>The library candidates in order, for the given <c>MTSNN_NCCL_LIB</c> and <c>MTSNN_LIBTORCH</c> values.</summary>
    public static IReadOnlyList<string> Candidates(string? overridePath, string? libTorchDir)
    {
        if (!string.IsNullOrWhiteSpace(overridePath)) return [overridePath];
        var list = new List<string>();
        if (!string.IsNullOrWhiteSpace(libTorchDir))
            list.Add(Path.GetFullPath(Path.Combine(libTorchDir, "..", "..", "nvidia", "nccl", "lib", "libnccl.so.2")));
        list.Add("libnccl.so.2");
        return list;
    }

    /// <summary>Opens NCCL and joins the job described by <paramref name="env"/> on <paramref name="device"/>.</summary>
    public static NcclCollectives Create(LaunchEnvironment env, Device device, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        return new NcclCollectives(env, device, timeout ?? TcpRendezvous.DefaultTimeout);
    }

    private NcclCollectives(LaunchEnvironment env, Device device, TimeSpan timeout)
    {
        var (lib, path) = NativeLoader.OpenFirst(
            Candidates(MtSnn.Settings.MtSnnSettings.Current.NcclLibrary, MtSnn.Settings.MtSnnSettings.Current.LibTorchDir),
            reasons => new NativeCollectiveException($"NCCL not found ({string.Join("; ", reasons)}): install PyTorch's CUDA wheel (nvidia-nccl-cu12) or the libnccl2 package, or set {LibraryVariable} to libnccl.so.2"));
        nint E(string s) => NativeLoader.Export(lib, path, s);
        _allreduce = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)E("ncclAllReduce");
        _broadcast = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)E("ncclBroadcast");
        _abort = (delegate* unmanaged<nint, int>)E("ncclCommAbort");
        _destroy = (delegate* unmanaged<nint, int>)E("ncclCommDestroy");
        _asyncError = (delegate* unmanaged<nint, int*, int>)E("ncclCommGetAsyncError");
        _errorString = (delegate* unmanaged<int, nint>)E("ncclGetErrorString");
        int version = 0;
        Check(((delegate* unmanaged<int*, int>)E("ncclGetVersion"))(&version), "ncclGetVersion");
        _device = device;
        Rank = env.Rank;
        WorldSize = env.WorldSize;
        byte[] id = new byte[IdBytes];
        if (Rank == 0) fixed (byte* p = id) Check(((delegate* unmanaged<byte*, int>)E("ncclGetUniqueId"))(p), "ncclGetUniqueId");
        if (WorldSize > 1) id = ShareId(env, id, timeout, out _mpi);
        CudaCompiler.MakeCurrent(device.index < 0 ? 0 : device.index);
        nint comm = 0;
        var init = (delegate* unmanaged<nint*, int, NcclUniqueId, int, int>)E("ncclCommInitRank");
        Check(init(&comm, WorldSize, NcclUniqueId.From(id), Rank), "ncclCommInitRank");
        _comm = comm;
        Description = $"nccl {version / 10000}.{version / 100 % 100}.{version % 100} ({path})";
        _watchdog = new Thread(Watch) { IsBackground = true, Name = "nccl watchdog" };
        _watchdog.Start();
    }

    private byte[] ShareId(LaunchEnvironment env, byte[] id, TimeSpan timeout, out MpiCollectives? mpi)
    {
        mpi = null;
        if (env.Launcher == Launcher.Mpirun)
        {
            mpi = new MpiCollectives();
            using var scope = NewDisposeScope();
            var t = tensor(MemoryMarshal.Cast<byte, long>(id).ToArray(), int64);
            mpi.Broadcast(t);
            return MemoryMarshal.AsBytes(t.data<long>().ToArray().AsSpan()).ToArray();
        }
        if (env.MasterAddress is null || env.MasterPort is null)
            throw new NativeCollectiveException($"NCCL under {env.Launcher.ToString().ToLowerInvariant()} needs MASTER_ADDR and MASTER_PORT (rank 0's host and a free port; torchrun sets them, under srun export them) or a launch by mpirun");
        if (Rank == 0) { TcpRendezvous.Serve(env.RendezvousPort!.Value, WorldSize - 1, id, timeout); return id; }
        return TcpRendezvous.Join(env.MasterAddress, env.RendezvousPort!.Value, timeout);
    }

    /// <inheritdoc/>
    public string Description { get; }
    /// <inheritdoc/>
    public int Rank { get; }
    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <inheritdoc/>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        var (p, n, type) = Memory(tensor);
        int ncclOp = op switch
        {
            ReduceOp.Sum => Sum,
            ReduceOp.Max => Max,
            ReduceOp.Min => Min,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, $"unknown reduction {op}"),
        };
        Check(_allreduce(p, p, n, type, ncclOp, _comm, 0), "ncclAllReduce");
    }

    /// <inheritdoc/>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        var (p, n, type) = Memory(tensor);
        Check(_broadcast(p, p, n, type, root, _comm, 0), "ncclBroadcast");
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        using var scope = NewDisposeScope();
        var one = ones(1, float32, _device);
        AllReduce(one);
        _ = one.cpu().item<float>();   // waits for the device
    }

    /// <inheritdoc/>
    public void Abort(int exitCode)
    {
        _abort(_comm);
        if (_mpi is not null) _mpi.Abort(exitCode);
        Environment.Exit(exitCode);
    }

    private (nint Pointer, nuint Count, int Type) Memory(Tensor t)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (t.device_type != DeviceType.CUDA) throw new ArgumentException($"the NCCL backend reduces CUDA tensors (got one on {t.device})");
        if (!t.is_contiguous()) throw new ArgumentException("the NCCL backend needs a contiguous tensor");
        int type = t.dtype switch
        {
            ScalarType.Float32 => Float32,
            ScalarType.Float64 => Float64,
            ScalarType.Int64 => Int64,
            _ => throw new ArgumentException($"the NCCL backend reduces float32, float64 and int64 tensors (got {t.dtype})"),
        };
        return (TensorMemory.DataPointer(t), (nuint)t.numel(), type);
    }

    private void Watch()
    {
        while (!_disposed)
        {
            Thread.Sleep(1000);
            if (_disposed) return;
            int state = 0;
            if (_asyncError(_comm, &state) == 0 && state is 0 or 7) continue;   // ncclSuccess, ncclInProgress
            Console.Error.WriteLine($"mtsnn: error: rank {Rank}: NCCL failed ({Marshal.PtrToStringUTF8(_errorString(state))}): a peer rank died or lost its connection; aborting");
            _abort(_comm);
            Environment.Exit(1);
        }
    }

    private void Check(int rc, string call)
    {
        if (rc != 0) throw new NativeCollectiveException($"{call} failed: {Marshal.PtrToStringUTF8(_errorString(rc)) ?? $"ncclResult {rc}"}");
    }

    /// <summary>Destroys the communicator.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _destroy(_comm);
        _mpi?.Dispose();
    }

    [StructLayout(LayoutKind.Sequential, Size = IdBytes)]
    private struct NcclUniqueId
    {
        private fixed byte _bytes[IdBytes];

        public static NcclUniqueId From(byte[] id)
        {
            if (id.Length != IdBytes) throw new NativeCollectiveException($"the NCCL unique id has {id.Length} bytes, not {IdBytes}");
            var u = new NcclUniqueId();
            for (int i = 0; i < IdBytes; i++) u._bytes[i] = id[i];
            return u;
        }
    }
}
