using System.Runtime.InteropServices;
using MtSnn.Kernels.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Distributed;

/// <summary>
/// The MPI backend: the C API of the system's Open MPI through P/Invoke (function pointers from the library found at run
/// time), on CPU tensors' own memory: <c>MPI_Allreduce(MPI_IN_PLACE, ...)</c>, <c>MPI_Bcast</c>, <c>MPI_Barrier</c>,
/// <c>MPI_Abort</c> on <c>MPI_COMM_WORLD</c>. The library is <c>MTSNN_MPI_LIB</c> when set, else <c>libmpi.so.40</c>
/// (Open MPI 3 to 5) for the system loader. Open MPI's handles are the addresses of its exported predefined objects
/// (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>, ...), so only Open MPI's ABI is
/// supported; MPICH's is not. Counts above 2^31 - 1 elements are sent in chunks.
/// </summary>
public sealed unsafe class MpiCollectives : ICollectives
{
    /// <summary>The variable that overrides the library path.</summary>
    public const string LibraryVariable = "MTSNN_MPI_LIB";
    private const int Success = 0;
    private static readonly nint InPlace = 1;   // Open MPI's MPI_IN_PLACE

    private readonly string _path;
    private readonly nint _world;
    private readonly nint _float, _double, _long, _sum, _max, _min;
    private readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<nint, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly System.Diagnostics.Process? _server;
    private readonly PeerWatch? _watch;
    private bool _disposed;

    /// <summary>The library candidates for <paramref name="overridePath"/> (the <c>MTSNN_MPI_LIB</c> value or null).</summary>
    public static IReadOnlyList<string> Candidates(string? overridePath) =>
        string.IsNullOrWhiteSpace(overridePath) ? ["libmpi.so.40", "libmpi.so"] : [overridePath];

    /// <summary>
    /// Loads Open MPI and calls <c>MPI_Init</c> (once per process). Without <paramref name="join"/> the world is
    /// <c>MPI_COMM_WORLD</c> (the job was started by mpirun, or by srun with PMIx); with it, the ranks a launcher without
    /// an MPI runtime started (torchrun, srun without PMI) are singletons that form one communicator through Open MPI's
    /// dynamic-process calls (<see cref="MpiJoin"/>).
    /// </summary>
    /// <exception cref="NativeCollectiveException">The library is missing or is not Open MPI; the message says what to install or set.</exception>
    public MpiCollectives(string? libraryPath = null, MpiJoin? join = null)
    {
        libraryPath ??= MtSnn.Settings.MtSnnSettings.Current.MpiLibrary;
        var (lib, path) = NativeLoader.OpenFirst(Candidates(libraryPath), reasons => new NativeCollectiveException(
            $"Open MPI not found ({string.Join("; ", reasons)}): install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or set {LibraryVariable} to its libmpi.so"));
        _path = path;
        nint E(string s) => NativeLoader.Export(lib, path, s);
        _world = E("ompi_mpi_comm_world");
        _float = E("ompi_mpi_float");
        _double = E("ompi_mpi_double");
        _long = E("ompi_mpi_long_long_int");
        _sum = E("ompi_mpi_op_sum");
        _max = E("ompi_mpi_op_max");
        _min = E("ompi_mpi_op_min");
        _allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)E("MPI_Allreduce");
        _bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)E("MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)E("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)E("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)E("MPI_Finalize");
        var init = (delegate* unmanaged<int*, byte***, int>)E("MPI_Init");
        var initialized = (delegate* unmanaged<int*, int>)E("MPI_Initialized");
        int done = 0;
        Check(initialized(&done), "MPI_Initialized");
        if (join is { WorldSize: > 1 })
        {
            if (done != 0) throw new NativeCollectiveException("MPI was initialised before the ranks could join (one MPI world per process)");
            _world = join.Connect(E, () => Check(init(null, null), "MPI_Init"), Check, out _server, out var watch);
            _watch = watch;
        }
        else if (done == 0) Check(init(null, null), "MPI_Init");
        int rank = 0, size = 0;
        Check(((delegate* unmanaged<nint, int*, int>)E("MPI_Comm_rank"))(_world, &rank), "MPI_Comm_rank");
        Check(((delegate* unmanaged<nint, int*, int>)E("MPI_Comm_size"))(_world, &size), "MPI_Comm_size");
        Rank = rank;
        WorldSize = size;
        byte* version = stackalloc byte[512];   // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI
        int length = 0;
        Check(((delegate* unmanaged<byte*, int*, int>)E("MPI_Get_library_version"))(version, &length), "MPI_Get_library_version");
        string v = Marshal.PtrToStringUTF8((nint)version, Math.Clamp(length, 0, 511)).Split('\n', ',')[0].Trim();
        Description = $"mpi ({v}, {path})";
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
        var (p, n, type, size) = Memory(tensor);
        nint mpiOp = op switch
        {
            ReduceOp.Sum => _sum,
            ReduceOp.Max => _max,
            ReduceOp.Min => _min,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, $"unknown reduction {op}"),
        };
        for (long done = 0; done < n;)
        {
            int count = (int)Math.Min(int.MaxValue, n - done);
            Check(_allreduce(InPlace, p + (nint)(done * size), count, type, mpiOp, _world), "MPI_Allreduce");
            done += count;
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        var (p, n, type, size) = Memory(tensor);
        for (long done = 0; done < n;)
        {
            int count = (int)Math.Min(int.MaxValue, n - done);
            Check(_bcast(p + (nint)(done * size), count, type, root, _world), "MPI_Bcast");
            done += count;
        }
    }

    /// <inheritdoc/>
    public void Barrier() => Check(_barrier(_world), "MPI_Barrier");

    /// <inheritdoc/>
    public void Abort(int exitCode)
    {
        _watch?.ReportFailure();   // joined singletons: MPI_Abort does not reach the others
        _abort(_world, exitCode);
        Environment.Exit(exitCode);   // MPI_Abort does not return; in case it does
    }

    private (nint Pointer, long Count, nint Type, int ElementSize) Memory(Tensor t)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (t.device_type != DeviceType.CPU) throw new ArgumentException($"the MPI backend reduces CPU tensors (got one on {t.device})");
        if (!t.is_contiguous()) throw new ArgumentException("the MPI backend needs a contiguous tensor");
        nint type = t.dtype switch
        {
            ScalarType.Float32 => _float,
            ScalarType.Float64 => _double,
            ScalarType.Int64 => _long,
            _ => throw new ArgumentException($"the MPI backend reduces float32, float64 and int64 tensors (got {t.dtype})"),
        };
        return (TensorMemory.DataPointer(t), t.numel(), type, (int)t.element_size());
    }

    internal void Check(int rc, string call)
    {
        if (rc != Success) throw new NativeCollectiveException($"{call} failed with MPI error {rc} ({_path})");
    }

    /// <summary>Calls <c>MPI_Finalize</c>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _finalize();
        _watch?.Finish();
        if (_server is { HasExited: false }) _server.Kill(entireProcessTree: true);
        _server?.Dispose();
    }
}
