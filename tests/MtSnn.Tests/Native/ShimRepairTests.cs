using MtSnn.Native;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Native;

/// <summary>The ELF rewrite on a real copy of TorchSharp's shim, and its refusal of malformed and foreign files.</summary>
public class ShimRepairTests
{
    private static byte[] Original() => File.ReadAllBytes(Repo.OriginalShim);

    [Fact]
    public void Original_shim_requires_the_missing_version_and_the_elf_hash_matches_the_spec()
    {
        var needs = SymbolVersions.Needs(new ElfImage(Original()));
        var need = Assert.Single(needs, n => n.Version == ShimRepair.MissingVersion);
        Assert.Equal("libstdc++.so.6", need.File);
        // vna_hash is the SysV ELF hash of the name; the linker wrote it, so it checks our hash function.
        Assert.Equal(need.Hash, SymbolVersions.ElfHash(need.Version));
        Assert.All(needs, n => Assert.Equal(n.Hash, SymbolVersions.ElfHash(n.Version)));
        // Hash of "a" worked by hand: h = 0x61, no high nibble.
        Assert.Equal(0x61u, SymbolVersions.ElfHash("a"));
        // "ab": h = (0x61 << 4) + 0x62 = 0x672.
        Assert.Equal(0x672u, SymbolVersions.ElfHash("ab"));
    }

    [Fact]
    public void Corrected_copy_points_the_requirement_at_3_4_30_and_changes_nothing_else()
    {
        byte[] original = Original();
        byte[] fixedBytes = ShimRepair.CreateCorrectedCopy(original);
        Assert.Equal(original.Length, fixedBytes.Length);
        var before = SymbolVersions.Needs(new ElfImage(original));
        var after = SymbolVersions.Needs(new ElfImage(fixedBytes));
        Assert.DoesNotContain(after, n => n.Version == ShimRepair.MissingVersion);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            var expected = before[i].Version == ShimRepair.MissingVersion ? ShimRepair.ReplacementVersion : before[i].Version;
            Assert.Equal(expected, after[i].Version);
            Assert.Equal(SymbolVersions.ElfHash(expected), after[i].Hash);
        }
        // Exactly the two 4-byte fields (hash and name offset) of one Vernaux entry differ.
        var diffs = Enumerable.Range(0, original.Length).Where(i => original[i] != fixedBytes[i]).ToList();
        Assert.InRange(diffs.Count, 2, 8);
        Assert.True(diffs.Max() - diffs.Min() < 16, "changes must lie within one 16-byte Vernaux entry");
        Assert.False(ShimRepair.NeedsRepair(fixedBytes));
    }

    [Fact]
    public void Repair_in_place_writes_the_cache_then_a_second_run_reuses_it()
    {
        using var tmp = new TempDir();
        string cache = tmp["cache"];
        string shimA = tmp["a/" + ShimRepair.ShimFileName], shimB = tmp["b/" + ShimRepair.ShimFileName];
        Directory.CreateDirectory(tmp["a"]); Directory.CreateDirectory(tmp["b"]);
        File.Copy(Repo.OriginalShim, shimA); File.Copy(Repo.OriginalShim, shimB);

        var first = ShimRepair.RepairInPlace(shimA, cache);
        Assert.Equal(ShimRepairOutcome.Patched, first.Outcome);
        Assert.True(File.Exists(first.CachedCopy));
        Assert.Equal(File.ReadAllBytes(first.CachedCopy!), File.ReadAllBytes(shimA));

        var second = ShimRepair.RepairInPlace(shimB, cache);
        Assert.Equal(ShimRepairOutcome.PatchedFromCache, second.Outcome);
        Assert.Equal(first.CachedCopy, second.CachedCopy);
        Assert.Equal(File.ReadAllBytes(shimA), File.ReadAllBytes(shimB));

        var third = ShimRepair.RepairInPlace(shimA, cache);
        Assert.Equal(ShimRepairOutcome.NotNeeded, third.Outcome);
        // No temporary files are left behind.
        Assert.Single(Directory.GetFiles(tmp["a"]));
    }

    [Fact]
    public void A_damaged_cache_entry_is_rebuilt_not_used()
    {
        using var tmp = new TempDir();
        string shim = tmp[ShimRepair.ShimFileName];
        File.Copy(Repo.OriginalShim, shim);
        var first = ShimRepair.RepairInPlace(shim, tmp["cache"]);
        File.WriteAllBytes(first.CachedCopy!, [1, 2, 3]);
        File.Copy(Repo.OriginalShim, shim, overwrite: true);
        var again = ShimRepair.RepairInPlace(shim, tmp["cache"]);
        Assert.Equal(ShimRepairOutcome.Patched, again.Outcome);
        Assert.False(ShimRepair.NeedsRepair(File.ReadAllBytes(shim)));
    }

    [Fact]
    public void Corrected_copy_resolves_against_the_system_libstdcxx_where_the_original_does_not()
    {
        var stdcxx = LibStdCxxInfo.Probe();
        Assert.NotNull(stdcxx);
        if (!File.Exists("/usr/bin/ldd")) return; // ldd (libc-bin) is on every glibc system; nothing to check without it
        using var tmp = new TempDir();
        // The shim finds libtorch through RUNPATH $ORIGIN: lay the libtorch natives beside it as symlinks.
        foreach (var f in Directory.GetFiles(Repo.LibTorchNatives))
            File.CreateSymbolicLink(tmp[Path.GetFileName(f)], f);
        string shim = tmp[ShimRepair.ShimFileName];
        File.Copy(Repo.OriginalShim, shim);
        var original = Repo.Run("/usr/bin/ldd", ["-r", shim]);
        ShimRepair.RepairInPlace(shim, tmp["cache"]);
        var corrected = Repo.Run("/usr/bin/ldd", ["-r", shim]);

        // ldd -r makes the loader resolve every version requirement and data relocation of the library.
        Assert.DoesNotContain("not found", corrected.StdOut + corrected.StdErr);
        if (!stdcxx!.Versions.Contains(ShimRepair.MissingVersion))
            Assert.Contains($"{ShimRepair.MissingVersion}' not found", original.StdOut + original.StdErr);
    }

    [Fact]
    public void This_test_process_loaded_a_shim_that_resolves_here_and_tensors_work()
    {
        TorchRuntime.EnsureInitialized();
        using var t = TorchSharp.torch.arange(4);
        Assert.Equal(6L, t.sum().item<long>());
        string shim = Assert.Single(TorchRuntime.LoadedLibraries(ShimRepair.ShimFileName));
        var stdcxx = LibStdCxxInfo.Probe()!;
        if (!stdcxx.Versions.Contains(ShimRepair.MissingVersion))
            Assert.False(ShimRepair.NeedsRepair(File.ReadAllBytes(shim)));
    }

    public static TheoryData<string, byte[], string> MalformedFiles()
    {
        byte[] orig = File.ReadAllBytes(Repo.OriginalShim);
        byte[] elf32 = (byte[])orig[..4096].Clone(); elf32[4] = 1;
        byte[] bigEndian = (byte[])orig[..4096].Clone(); bigEndian[5] = 2;
        byte[] arm = (byte[])orig.Clone(); arm[18] = 183; arm[19] = 0;
        byte[] badShoff = (byte[])orig.Clone(); BitConverter.GetBytes((ulong)orig.Length * 2).CopyTo(badShoff, 0x28);
        return new TheoryData<string, byte[], string>
        {
            { "empty", [], "bad magic" },
            { "text", "hello, this is not a library"u8.ToArray(), "bad magic" },
            { "elf32", elf32, "only 64-bit" },
            { "big-endian", bigEndian, "only little-endian" },
            { "aarch64", arm, "only x86-64" },
            { "truncated", orig[..(orig.Length / 2)], "runs past the end" },
            { "section table out of range", badShoff, "runs past the end" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_or_foreign_files_are_refused_with_a_clear_error_and_nothing_written(string name, byte[] bytes, string expected)
    {
        using var tmp = new TempDir();
        string file = tmp[ShimRepair.ShimFileName];
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<ElfFormatException>(() => ShimRepair.RepairInPlace(file, tmp["cache"]));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists(tmp["cache"]), name + ": no cache may be written");
        Assert.Equal(bytes, File.ReadAllBytes(file));
        Assert.Single(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void A_library_that_needs_no_repair_is_left_alone()
    {
        using var tmp = new TempDir();
        string file = tmp[ShimRepair.ShimFileName];
        File.Copy(Path.Combine(Repo.LibTorchNatives, "libc10.so"), file);
        byte[] before = File.ReadAllBytes(file);
        Assert.Equal(ShimRepairOutcome.NotNeeded, ShimRepair.RepairInPlace(file, tmp["cache"]).Outcome);
        Assert.Equal(before, File.ReadAllBytes(file));
        Assert.False(Directory.Exists(tmp["cache"]));
        Assert.Throws<ElfFormatException>(() => ShimRepair.CreateCorrectedCopy(before));
    }
}
