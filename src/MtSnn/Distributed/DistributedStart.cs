using MtSnn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Distributed;

/// <summary>
/// Starts the data-parallel group a run asks for: resolves <c>--distributed</c> against the device and the launcher's
/// world size, opens the backend (Open MPI for CPU ranks; NCCL for CUDA ranks, each on <c>cuda:LOCAL_RANK</c>) and
/// checks that the backend sees the world the launcher announced. Every failure is one line naming what to install,
/// set or change.
/// </summary>
public static class DistributedStart
{
    /// <summary>
    /// The group for <paramref name="config"/> under <paramref name="env"/>, or null for a single process; the returned
    /// configuration has the rank's device (<c>cuda:LOCAL_RANK</c> under NCCL).
    /// </summary>
    public static (DataParallel? Group, TrainConfig Config) Start(DistributedMode mode, TrainConfig config, LaunchEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(env);
        bool cuda = config.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase);
        var backend = DistributedModes.Resolve(mode, cuda, env.WorldSize);
        switch (backend)
        {
            case DistributedMode.Off:
                return (null, config);
            case DistributedMode.Mpi:
            {
                // mpirun, or srun with PMIx: MPI_COMM_WORLD; torchrun, or srun without PMI: singletons that join
                bool join = env.Launcher == Launcher.Torchrun || env.Launcher == Launcher.Slurm && !env.Pmi;
                var mpi = new MpiCollectives(join: join ? MpiJoin.For(env) : null);
                if (mpi.WorldSize != env.WorldSize)
                {
                    int seen = mpi.WorldSize;
                    mpi.Dispose();
                    throw new NativeCollectiveException($"{env.Launcher.ToString().ToLowerInvariant()} announced {env.WorldSize} ranks but MPI sees a world of {seen} (under Slurm run 'srun --mpi=pmix'; Open MPI's own ranks come from mpirun)");
                }
                return (new DataParallel(mpi, CPU), config);
            }
            case DistributedMode.Nccl:
            {
                var device = new Device(DeviceType.CUDA, env.LocalRank);
                var nccl = NcclCollectives.Create(env, device);
                return (new DataParallel(nccl, device), config with { Device = $"cuda:{env.LocalRank}" });
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), backend, $"unknown distributed backend {backend}");
        }
    }
}
