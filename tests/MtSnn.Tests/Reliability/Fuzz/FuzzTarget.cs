namespace MtSnn.Tests.Reliability.Fuzz;

/// <summary>
/// A reader under fuzzing: valid seed files, the offsets of its header and length fields, an optional re-seal step
/// (recomputed checksum, or re-compression, so a mutation reaches the checks behind it), and the read itself. The
/// read gets the mutated bytes and a scratch file path (for readers that take paths); it may fail only with an
/// exception the CLI reports as bad input (<see cref="MtSnn.Cli.CliApp.IsBadInput"/>).
/// </summary>
public sealed record FuzzTarget(
    string Name,
    IReadOnlyList<byte[]> Seeds,
    IReadOnlyList<(int Offset, int Size, bool BigEndian)> Fields,
    Action<byte[], string> Read,
    Func<byte[], byte[]>? Reseal = null);
