namespace MtSnn.Distributed;

/// <summary>The <c>--distributed</c> choice: which collective backend data-parallel training uses.</summary>
public enum DistributedMode
{
    /// <summary>NCCL for CUDA devices, MPI for the CPU, off when the world size is 1.</summary>
    Auto,
    /// <summary>A single process, whatever the launcher says.</summary>
    Off,
    /// <summary>Open MPI (CPU tensors).</summary>
    Mpi,
    /// <summary>NCCL (CUDA tensors).</summary>
    Nccl,
}

/// <summary>Names and resolution of <see cref="DistributedMode"/>, in one place for the parser, help text and errors.</summary>
public static class DistributedModes
{
    /// <summary>The names <c>--distributed</c> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Enum.GetValues<DistributedMode>().Select(NameOf)];

    /// <summary>The command-line name of <paramref name="mode"/>.</summary>
    public static string NameOf(DistributedMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Parses a <c>--distributed</c> value; throws naming the allowed values.</summary>
    public static DistributedMode Parse(string text)
    {
        foreach (var m in Enum.GetValues<DistributedMode>())
            if (NameOf(m) == text.Trim().ToLowerInvariant()) return m;
        throw new ArgumentException($"unknown --distributed '{text}' (allowed: {string.Join(", ", Names)})");
    }

    /// <summary>
    /// The backend actually used: <see cref="DistributedMode.Auto"/> becomes <see cref="DistributedMode.Off"/> for a world of
    /// one, else NCCL for a CUDA device and MPI for the CPU. A backend that does not fit the device is an error.
    /// </summary>
    public static DistributedMode Resolve(DistributedMode mode, bool cuda, int worldSize) => mode switch
    {
        DistributedMode.Off => DistributedMode.Off,
        DistributedMode.Auto => worldSize <= 1 ? DistributedMode.Off : cuda ? DistributedMode.Nccl : DistributedMode.Mpi,
        DistributedMode.Mpi => cuda ? throw new ArgumentException("--distributed mpi works on CPU tensors; with --device cuda use --distributed nccl (or auto)") : DistributedMode.Mpi,
        DistributedMode.Nccl => !cuda ? throw new ArgumentException("--distributed nccl needs --device cuda; on the CPU use --distributed mpi (or auto)") : DistributedMode.Nccl,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, $"unknown distributed mode {mode}"),
    };
}
