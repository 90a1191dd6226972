using System.Security.Cryptography;

using MtSnn.IO;
using MtSnn.Settings;

namespace MtSnn.Native;

/// <summary>What <see cref="ShimRepair.RepairInPlace"/> did.</summary>
public enum ShimRepairOutcome
{
    /// <summary>The shim does not ask for the missing version; left untouched.</summary>
    NotNeeded,
    /// <summary>A corrected copy was made, cached, and put in place of the shim.</summary>
    Patched,
    /// <summary>A corrected copy from an earlier run was taken from the cache and put in place of the shim.</summary>
    PatchedFromCache,
}

/// <summary>The outcome of one repair, with the paths involved.</summary>
public sealed record ShimRepairResult(string ShimPath, ShimRepairOutcome Outcome, string OriginalSha256, string? CachedCopy);

/// <summary>
/// Makes TorchSharp's native shim <c>libLibTorchSharp.so</c> loadable where the system libstdc++ is older
/// than GCC 13 (Debian 12, Ubuntu 22.04).
/// </summary>
/// <remarks>
/// Why: TorchSharp 0.107's shim was linked against GCC 13's libstdc++ and so carries a version requirement
/// <c>GLIBCXX_3.4.32</c>; the dynamic loader refuses the whole library on systems whose libstdc++ stops at
/// 3.4.30/3.4.31, although the only symbol bound to that version is one no code path calls (and symbols are
/// bound lazily). Pointing that one requirement at <c>GLIBCXX_3.4.30</c> (its name offset and hash in
/// <c>.gnu.version_r</c>) makes the shim load and run. The corrected copy must replace the shim in the folder
/// TorchSharp loads it from: preloading a copy from another folder made libtorch load twice and abort.
/// Corrected copies are cached under the SHA-256 of the original and every file is written atomically
/// (temporary file, then rename), so a crash never leaves a half-written library.
/// </remarks>
public static class ShimRepair
{
    /// <summary>The library whose requirement is rewritten.</summary>
    public const string LibStdCxx = "libstdc++.so.6";
    /// <summary>The version GCC 13's libstdc++ introduced, which older systems lack.</summary>
    public const string MissingVersion = "GLIBCXX_3.4.32";
    /// <summary>The version the requirement is pointed at (GCC 12, present on Debian 12 and Ubuntu 22.04).</summary>
    public const string ReplacementVersion = "GLIBCXX_3.4.30";
    /// <summary>The shim's file name on Linux.</summary>
    public const string ShimFileName = "libLibTorchSharp.so";

    /// <summary>True when the ELF bytes require <see cref="MissingVersion"/> of libstdc++.</summary>
    public static bool NeedsRepair(byte[] elfBytes) =>
        SymbolVersions.Needs(new ElfImage(elfBytes)).Any(n => n.File == LibStdCxx && n.Version == MissingVersion);

    /// <summary>A corrected copy of <paramref name="original"/> (which is not modified).</summary>
    public static byte[] CreateCorrectedCopy(byte[] original)
    {
        var elf = new ElfImage((byte[])original.Clone());
        if (!SymbolVersions.Redirect(elf, LibStdCxx, MissingVersion, ReplacementVersion))
            throw new ElfFormatException($"the file does not require {MissingVersion} of {LibStdCxx}; nothing to correct");
        return elf.Bytes;
    }

    /// <summary>
    /// Replaces the shim at <paramref name="shimPath"/> by its corrected copy when it needs one, taking the copy
    /// from <paramref name="cacheRoot"/>/&lt;sha256&gt;/ when an earlier run made it. Throws
    /// <see cref="ElfFormatException"/> for a malformed or foreign file, writing nothing.
    /// </summary>
    public static ShimRepairResult RepairInPlace(string shimPath, string cacheRoot)
    {
        byte[] original = File.ReadAllBytes(shimPath);
        string sha = Convert.ToHexStringLower(SHA256.HashData(original));
        if (!NeedsRepair(original)) return new ShimRepairResult(shimPath, ShimRepairOutcome.NotNeeded, sha, null);

        string cached = Path.Combine(cacheRoot, sha, ShimFileName);
        byte[]? corrected = TryReadValidCache(cached, original.Length);
        var outcome = ShimRepairOutcome.PatchedFromCache;
        if (corrected is null)
        {
            corrected = CreateCorrectedCopy(original);
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
            AtomicFile.WriteAllBytes(cached, corrected);
            outcome = ShimRepairOutcome.Patched;
        }
        AtomicFile.WriteAllBytes(shimPath, corrected);
        return new ShimRepairResult(shimPath, outcome, sha, cached);
    }

    /// <summary>The default cache folder: $MTSNN_CACHE, else $XDG_CACHE_HOME/mtsnn, else ~/.cache/mtsnn; plus native/.</summary>
    public static string DefaultCacheRoot() => Path.Combine(MtSnnSettings.Current.CacheRoot, "native");

    private static byte[]? TryReadValidCache(string path, int expectedLength)
    {
        if (!File.Exists(path)) return null;
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            return bytes.Length == expectedLength && !NeedsRepair(bytes) ? bytes : null;
        }
        catch (ElfFormatException) { return null; } // a damaged cache entry is rebuilt, never used
    }
}
