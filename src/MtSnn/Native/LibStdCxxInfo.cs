using System.Runtime.InteropServices;

namespace MtSnn.Native;

/// <summary>The libstdc++ the dynamic loader gives this process, and the GLIBCXX versions it defines.</summary>
public sealed record LibStdCxxInfo(string Path, IReadOnlySet<string> Versions)
{
    /// <summary>The highest GLIBCXX_3.4.N version defined, e.g. GLIBCXX_3.4.30.</summary>
    public string Newest => Versions.Where(v => v.StartsWith("GLIBCXX_3.4", StringComparison.Ordinal))
        .OrderBy(v => v.Length).ThenBy(v => v, StringComparer.Ordinal).LastOrDefault() ?? "none";

    /// <summary>Loads libstdc++.so.6 the way the loader would for the shim, finds its file, reads its version definitions; null when none is found.</summary>
    public static LibStdCxxInfo? Probe()
    {
        if (!NativeLibrary.TryLoad(ShimRepair.LibStdCxx, out _)) return null;
        string? path = TorchRuntime.LoadedLibraries("libstdc++.so").FirstOrDefault();
        return path is null ? null : FromFile(path);
    }

    /// <summary>Reads the version definitions of the library at <paramref name="path"/>.</summary>
    public static LibStdCxxInfo FromFile(string path) =>
        new(path, SymbolVersions.Definitions(new ElfImage(File.ReadAllBytes(path))).ToHashSet(StringComparer.Ordinal));
}
