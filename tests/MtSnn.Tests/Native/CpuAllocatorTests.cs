using System.Runtime.InteropServices;
using MtSnn.Native;
using Xunit;

namespace MtSnn.Tests.Native;

/// <summary>A fact that runs only where the C library is glibc (it exports <c>gnu_get_libc_version</c>).</summary>
public sealed class GlibcFactAttribute : FactAttribute
{
    public GlibcFactAttribute() { if (!CpuAllocatorTests.IsGlibc) Skip = "not glibc: mallopt's retain settings cannot be applied here"; }
}

/// <summary>
/// <c>MTSNN_MALLOC</c> parsing and the glibc settings. Applying <c>retain</c> in the test process is harmless: it only
/// makes glibc keep freed blocks below 1 GiB for reuse (a higher resident set for the test run, nothing else).
/// </summary>
public class CpuAllocatorTests
{
    internal static bool IsGlibc =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var h) && NativeLibrary.TryGetExport(h, "gnu_get_libc_version", out _);

    [Theory]
    [InlineData(null, CpuAllocatorMode.Default)]
    [InlineData("", CpuAllocatorMode.Default)]
    [InlineData("  ", CpuAllocatorMode.Default)]
    [InlineData("default", CpuAllocatorMode.Default)]
    [InlineData("retain", CpuAllocatorMode.Retain)]
    [InlineData(" Retain ", CpuAllocatorMode.Retain)]
    public void Parse_accepts_default_and_retain(string? setting, CpuAllocatorMode expected) =>
        Assert.Equal(expected, CpuAllocator.Parse(setting));

    [Theory]
    [InlineData("keep")]
    [InlineData("1")]
    [InlineData("retain,default")]
    public void Parse_rejects_anything_else_with_one_line_naming_the_allowed_values(string setting)
    {
        var e = Assert.Throws<NativeRuntimeException>(() => CpuAllocator.Parse(setting));
        Assert.Equal($"invalid MTSNN_MALLOC '{setting}' (allowed: default, retain)", e.Message);
    }

    [Fact]
    public void The_mallopt_parameter_numbers_are_glibcs()
    {
        // malloc.h: #define M_TRIM_THRESHOLD -1, #define M_MMAP_THRESHOLD -3.
        Assert.Equal(-1, CpuAllocator.MTrimThreshold);
        Assert.Equal(-3, CpuAllocator.MMmapThreshold);
        Assert.Equal(1024 * 1024 * 1024, CpuAllocator.RetainMmapThreshold);
        Assert.Equal(-1, CpuAllocator.RetainTrimThreshold); // mallopt(3): "-1 disables trimming completely"
    }

    [GlibcFact]
    public unsafe void ApplyRetain_is_accepted_by_glibc_and_keeps_48_MB_blocks_off_their_own_mappings()
    {
        Assert.True(CpuAllocator.ApplyRetain());
        Assert.True(CpuAllocator.Retained);
        Assert.Equal("glibc, freed memory retained (MTSNN_MALLOC=retain)", CpuAllocator.Description);

        // glibc's chunk header: the size word just before the user pointer; bit 0x2 (IS_MMAPPED) marks a block
        // served by its own mmap. By default (threshold at most 32 MB) a 48 MB block always is; under retain it is
        // not, while a block above the 1 GiB threshold still is (untouched, so it costs no memory).
        Assert.False(IsMmapped(48 << 20));
        Assert.True(IsMmapped((1 << 30) + (1 << 20)));
    }

    private static unsafe bool IsMmapped(int bytes)
    {
        void* p = NativeMemory.Alloc((nuint)bytes);
        Assert.True(p != null);
        try { return (((nuint*)p)[-1] & 2) != 0; }
        finally { NativeMemory.Free(p); }
    }
}
