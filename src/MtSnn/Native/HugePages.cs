using System.Globalization;
using MtSnn.Settings;

namespace MtSnn.Native;

/// <summary>
/// Transparent huge pages for libtorch's CPU tensors, chosen by <c>MTSNN_HUGEPAGES</c> (<c>on</c> | <c>off</c>; unset:
/// off, measured: with the capped allocator they cut the page faults 40-fold but did not make training faster,
/// docs/benchmarks.md). On, which needs the kernel to offer them (<c>/sys/kernel/mm/transparent_hugepage/enabled</c>
/// is <c>always</c> or <c>madvise</c>), MtSnn sets libtorch's own switch <c>THP_MEM_ALLOC_ENABLE=1</c> in the C library's environment
/// before the first tensor: libc10 then page-aligns every CPU allocation of 2 MiB or more and marks it
/// <c>madvise(MADV_HUGEPAGE)</c>, so a training step's activations fault in as 2 MiB pages (one fault instead of 512).
/// libc10 reads the switch once, at its first CPU allocation, so it is decided once per process by
/// <see cref="TorchRuntime.EnsureInitialized"/>. A <c>THP_MEM_ALLOC_ENABLE</c> already in the environment is the
/// user's choice and is left alone unless <c>MTSNN_HUGEPAGES</c> is set too; asking for <c>on</c> where the kernel has
/// no huge pages is an error, never a silent fallback.
/// </summary>
public static class HugePages
{
    /// <summary>Environment variable choosing the policy.</summary>
    public const string Variable = "MTSNN_HUGEPAGES";

    /// <summary>libtorch's (libc10's) switch: truthy values make its CPU allocator page-align blocks of 2 MiB and more and advise them MADV_HUGEPAGE.</summary>
    public const string TorchVariable = "THP_MEM_ALLOC_ENABLE";

    /// <summary>Where Linux says whether transparent huge pages are used: <c>always [madvise] never</c>, the bracketed one in force.</summary>
    public const string KernelModePath = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>The values of <see cref="Variable"/>, written once for parsing and messages.</summary>
    public static readonly IReadOnlyList<string> Values = ["on", "off"];

    /// <summary>The kernel's transparent-huge-page mode (<c>always</c>, <c>madvise</c> or <c>never</c>), or null where there is none (not Linux, or a kernel without THP).</summary>
    public static string? KernelMode { get; } = ReadKernelMode();

    /// <summary>Whether the kernel gives huge pages to memory that asks for them (<see cref="KernelMode"/> always or madvise).</summary>
    public static bool KernelOffers => Offers(KernelMode);

    private static bool Offers(string? kernelMode) => kernelMode is "always" or "madvise";

    /// <summary>Whether <see cref="Apply"/> set <see cref="TorchVariable"/> (false: nothing set, or the user's own value kept).</summary>
    public static bool SetByMtSnn { get; private set; }

    /// <summary>
    /// The policy for a value of <see cref="Variable"/> (case-insensitive, trimmed): true for on, false for off and for
    /// null or blank (the default). Anything else, or on where the kernel offers no huge pages (<paramref name="kernelMode"/>
    /// neither always nor madvise), throws one line naming the allowed values.
    /// </summary>
    public static bool Parse(string? setting, string? kernelMode)
    {
        if (string.IsNullOrWhiteSpace(setting)) return false;
        int i = Values.ToList().IndexOf(setting.Trim().ToLowerInvariant());
        if (i < 0) throw new NativeRuntimeException($"invalid {Variable} '{CpuAllocator.Printable(setting)}' (allowed: {string.Join(", ", Values)})");
        if (i == 0 && !Offers(kernelMode))
            throw new NativeRuntimeException($"{Variable}=on needs the kernel's transparent huge pages, which are {(kernelMode is null ? "absent here" : $"'{kernelMode}' here ({KernelModePath})")}; set {Variable} to off");
        return i == 0;
    }

    /// <summary>The kernel mode in the text of <see cref="KernelModePath"/> (the bracketed word), or null when there is none.</summary>
    public static string? ParseKernelMode(string text)
    {
        int a = text.IndexOf('['), b = text.IndexOf(']');
        return a >= 0 && b > a + 1 ? text[(a + 1)..b] : null;
    }

    private static string? ReadKernelMode()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try { return ParseKernelMode(File.ReadAllText(KernelModePath)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// Sets <see cref="TorchVariable"/> for this process as the policy says: to 1 (on) or 0 (off) when
    /// <see cref="Variable"/> is set; when it is unset, nothing (libtorch's default, off, or the user's own
    /// <see cref="TorchVariable"/>). Must run before libtorch's first CPU allocation. Throws the setting's error.
    /// </summary>
    internal static void Apply()
    {
        var setting = MtSnnSettings.Current[Variable];
        bool on = MtSnnSettings.Current.UseHugePages;   // throws a bad value's one line
        if (!OperatingSystem.IsLinux() || setting.Source == SettingSource.Default) return;
        if (!NativeEnvironment.Set(TorchVariable, on ? "1" : "0"))
            throw new NativeRuntimeException($"{Variable}: setenv {TorchVariable} failed; set {Variable} to off");
        SetByMtSnn = true;
    }

    /// <summary>Whether libtorch's CPU allocator uses huge pages in this process: <see cref="TorchVariable"/> as libc10 reads it (1, on, yes, true; any case).</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable(TorchVariable)?.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE" or "Y";

    /// <summary>One line for <c>mtsnn doctor</c> and a run's <c>summary.json</c>.</summary>
    public static string Description
    {
        get
        {
            string kernel = KernelMode is null ? "no transparent huge pages in this kernel" : $"kernel THP '{KernelMode}'";
            string value = Environment.GetEnvironmentVariable(TorchVariable) is { } v ? $"{TorchVariable}={CpuAllocator.Printable(v)}" : $"{TorchVariable} unset";
            var setting = MtSnnSettings.Current[Variable];
            string origin = SetByMtSnn ? $"set by MtSnn for {Variable}={setting.Shown}"
                : Environment.GetEnvironmentVariable(TorchVariable) is not null ? "set outside MtSnn, kept" : $"{Variable} unset: off, the default";
            return Enabled
                ? $"on: libtorch's CPU blocks of 2 MiB or more are page-aligned and advised MADV_HUGEPAGE ({value}, {origin}; {kernel})"
                : $"off ({value}, {origin}; {kernel}{(KernelOffers && !SetByMtSnn ? $"; {Variable}=on opts in" : "")})";
        }
    }
}
