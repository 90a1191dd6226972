using System.CommandLine;
using MtSnn.Native;

namespace MtSnn.Cli;

/// <summary>
/// <c>--threads N</c> of the commands that compute with TorchSharp (train, compare, demo, eval): libtorch's intra-op
/// threads. Without it <see cref="ThreadPolicy"/> decides (the cores the loader threads leave).
/// </summary>
public static class CliThreads
{
    /// <summary>A new <c>--threads</c> option.</summary>
    public static Option<int?> Create() => new("--threads")
    {
        Description = "Compute (intra-op) threads, 1..1024 (default: the cores the loader threads leave, at least 1; see mtsnn doctor).",
    };

    /// <summary>Hands the parsed value (or null) to <see cref="ThreadPolicy.Requested"/>; a value out of range is one error line.</summary>
    public static void Apply(ParseResult p, Option<int?> option) => Apply(p.GetValue(option));

    /// <summary>Hands <paramref name="requested"/> (or null) to <see cref="ThreadPolicy.Requested"/>; a value out of range is one error line.</summary>
    public static void Apply(int? requested) => ThreadPolicy.Requested = requested;
}
