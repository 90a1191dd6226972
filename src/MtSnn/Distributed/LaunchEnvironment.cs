using System.Collections;
using System.Globalization;

namespace MtSnn.Distributed;

/// <summary>Which launcher started this process, read from its variables.</summary>
public enum Launcher
{
    /// <summary>No launcher variables: a single process.</summary>
    None,
    /// <summary>Open MPI's <c>mpirun</c> / <c>mpiexec</c> (<c>OMPI_COMM_WORLD_RANK</c>, <c>_SIZE</c>, <c>_LOCAL_RANK</c>).</summary>
    Mpirun,
    /// <summary>PyTorch's <c>torchrun</c> (<c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>, <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>).</summary>
    Torchrun,
    /// <summary>Slurm's <c>srun</c> (<c>SLURM_PROCID</c>, <c>SLURM_NTASKS</c>, <c>SLURM_LOCALID</c>).</summary>
    Slurm,
}

/// <summary>
/// The launch contract, as users already write it: this process's rank, the world size and the rank on its node, from
/// the variables of <c>mpirun -np N</c> (<c>OMPI_COMM_WORLD_*</c>, checked first: Open MPI inside a Slurm allocation sets
/// both), <c>torchrun --nproc-per-node N --no-python</c> (<c>RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT</c>)
/// or Slurm's <c>srun</c> (<c>SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID</c>); none of them: a single process.
/// <c>MASTER_ADDR</c> / <c>MASTER_PORT</c> are read whatever the launcher (the NCCL id rendezvous outside mpirun).
/// Parsed once (<see cref="Current"/>); <see cref="Parse"/> is a pure function of the variables, for tests.
/// </summary>
public sealed record LaunchEnvironment
{
    /// <summary>The launcher.</summary>
    public Launcher Launcher { get; init; }
    /// <summary>This process's rank, 0 .. WorldSize - 1.</summary>
    public int Rank { get; init; }
    /// <summary>Number of processes.</summary>
    public int WorldSize { get; init; } = 1;
    /// <summary>This process's rank among the processes of its node (the CUDA device it uses: <c>cuda:LocalRank</c>).</summary>
    public int LocalRank { get; init; }
    /// <summary><c>MASTER_ADDR</c> (rank 0's host for the TCP rendezvous), or null.</summary>
    public string? MasterAddress { get; init; }
    /// <summary><c>MASTER_PORT</c>, or null.</summary>
    public int? MasterPort { get; init; }

    /// <summary>
    /// The port of mtsnn's bootstrap rendezvous (<see cref="TcpRendezvous"/>) at <see cref="MasterAddress"/>:
    /// <c>MASTER_PORT + 1</c> under torchrun, whose agent already listens on <c>MASTER_PORT</c> with its own store
    /// (torch.distributed's TCPStore), else <c>MASTER_PORT</c>; null when <c>MASTER_PORT</c> is not set.
    /// </summary>
    public int? RendezvousPort => MasterPort is not { } p ? null : Launcher == Launcher.Torchrun ? (p < 65535 ? p + 1 : p - 1) : p;

    /// <summary>Whether a process-management interface started this process (<c>PMIX_RANK</c> or <c>PMI_RANK</c> set: srun --mpi=pmix/pmi2, mpirun), so MPI_Init finds the whole world.</summary>
    public bool Pmi { get; init; }

    /// <summary>This process's variables, parsed once.</summary>
    public static LaunchEnvironment Current { get; } = FromProcess();

    /// <summary>A one-line description for logs and <c>mtsnn doctor</c>.</summary>
    public override string ToString() => Launcher == Launcher.None
        ? "single process (no mpirun, torchrun or srun variables)"
        : $"{Launcher.ToString().ToLowerInvariant()}: rank {Rank} of {WorldSize}, local rank {LocalRank}"
          + (MasterAddress is null ? "" : $", master {MasterAddress}:{MasterPort?.ToString(CultureInfo.InvariantCulture) ?? "?"}");

    /// <summary>
    /// Reads the launch variables through <paramref name="get"/> (null for an absent variable). Throws
    /// <see cref="ArgumentException"/> naming the variable when one is present but not a number in range, or when a
    /// launcher's set is incomplete.
    /// </summary>
    public static LaunchEnvironment Parse(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        string? addr = Blank(get("MASTER_ADDR"));
        bool pmi = Blank(get("PMIX_RANK")) is not null || Blank(get("PMI_RANK")) is not null;
        int? port = Int(get, "MASTER_PORT", 1, 65535);
        LaunchEnvironment? Set(Launcher launcher, string rank, string size, string local)
        {
            int? r = Int(get, rank, 0, int.MaxValue), n = Int(get, size, 1, int.MaxValue), l = Int(get, local, 0, int.MaxValue);
            if (r is null && n is null) return null;
            if (r is null || n is null)
                throw new ArgumentException($"{launcher.ToString().ToLowerInvariant()} launch: {(r is null ? rank : size)} is not set but {(r is null ? size : rank)} is (set both, or neither for a single process)");
            if (r >= n) throw new ArgumentException($"{rank}={r} is not below {size}={n}");
            return new LaunchEnvironment { Launcher = launcher, Rank = r.Value, WorldSize = n.Value, LocalRank = l ?? r.Value, MasterAddress = addr, MasterPort = port, Pmi = pmi };
        }
        return Set(Launcher.Mpirun, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK")
            ?? Set(Launcher.Torchrun, "RANK", "WORLD_SIZE", "LOCAL_RANK")
            ?? Set(Launcher.Slurm, "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID")
            ?? new LaunchEnvironment { MasterAddress = addr, MasterPort = port, Pmi = pmi };
    }

    private static LaunchEnvironment FromProcess()
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) vars[(string)e.Key] = e.Value as string ?? "";
        return Parse(k => vars.TryGetValue(k, out var v) ? v : null);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static int? Int(Func<string, string?> get, string name, int min, int max)
    {
        if (Blank(get(name)) is not { } text) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new ArgumentException($"{name} must be an integer in {min}..{max} (got {(text.Length <= 20 && text.All(char.IsAsciiLetterOrDigit) ? text : "a non-numeric value")})");
        return v;
    }
}
