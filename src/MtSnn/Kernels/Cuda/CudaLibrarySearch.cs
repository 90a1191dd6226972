namespace MtSnn.Kernels.Cuda;

/// <summary>
/// Where the CUDA natives are looked for, in order (pure functions of the environment, so the order is testable).
/// The driver (<c>libcuda.so.1</c>) comes with the NVIDIA driver and is found by the system loader. NVRTC ships with
/// PyTorch: in a libtorch folder (sometimes under a hashed name, <c>libnvrtc-1a2b3c4d.so.12</c>) or, for pip installs,
/// in the <c>nvidia-cuda-nvrtc</c> wheel next to <c>torch</c> (<c>site-packages/nvidia/cuda_nvrtc/lib</c>, or
/// <c>nvidia/cu13/lib</c> for CUDA 13 wheels).
/// </summary>
public static class CudaLibrarySearch
{
    /// <summary>NVRTC file names tried in each folder, newest first.</summary>
    public static readonly IReadOnlyList<string> NvrtcNames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"];

    /// <summary>Driver API names tried with the system loader.</summary>
    public static readonly IReadOnlyList<string> DriverNames = ["libcuda.so.1", "libcuda.so"];

    /// <summary>
    /// The NVRTC candidates, in order: the <c>MTSNN_LIBTORCH</c> folder (the names of <see cref="NvrtcNames"/>, then any
    /// hashed <c>libnvrtc-*.so.*</c> that is not the builtins library), the pip wheel folders next to it
    /// (<c>../../nvidia/cuda_nvrtc/lib</c>, <c>../../nvidia/cu13/lib</c>), each folder of <c>LD_LIBRARY_PATH</c>, and
    /// last the bare names for the system loader. Absolute candidates are listed only when the file exists.
    /// </summary>
    /// <param name="libTorchDir">The <c>MTSNN_LIBTORCH</c> folder, or null.</param>
    /// <param name="ldLibraryPath">The value of <c>LD_LIBRARY_PATH</c>, or null.</param>
    /// <param name="fileExists">File test (injected for tests; <see cref="File.Exists"/> in use).</param>
    /// <param name="listDir">Lists a folder's file names (injected for tests); an absent folder gives none.</param>
    public static IReadOnlyList<string> NvrtcCandidates(string? libTorchDir, string? ldLibraryPath,
        Func<string, bool> fileExists, Func<string, IEnumerable<string>> listDir)
    {
        ArgumentNullException.ThrowIfNull(fileExists);
        ArgumentNullException.ThrowIfNull(listDir);
        var found = new List<string>();
        void Folder(string dir, bool hashed)
        {
            foreach (string name in NvrtcNames)
                if (fileExists(Path.Combine(dir, name))) found.Add(Path.Combine(dir, name));
            if (!hashed) return;
            foreach (string name in listDir(dir).Where(IsHashedNvrtc).Order(StringComparer.Ordinal))
                found.Add(Path.Combine(dir, name));
        }
        if (!string.IsNullOrWhiteSpace(libTorchDir))
        {
            string dir = Path.GetFullPath(libTorchDir);
            Folder(dir, hashed: true);
            string sitePackages = Path.GetFullPath(Path.Combine(dir, "..", ".."));
            Folder(Path.Combine(sitePackages, "nvidia", "cuda_nvrtc", "lib"), hashed: false);
            Folder(Path.Combine(sitePackages, "nvidia", "cu13", "lib"), hashed: false);
        }
        foreach (string dir in (ldLibraryPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            Folder(dir, hashed: false);
        found.AddRange(NvrtcNames);
        return [.. found.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The candidates for this process's environment.</summary>
    public static IReadOnlyList<string> NvrtcCandidates() =>
        NvrtcCandidates(MtSnn.Settings.MtSnnSettings.Current.LibTorchDir,
            Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"), File.Exists, ListFiles);

    /// <summary>The NVRTC builtins libraries in <paramref name="dir"/> (loaded first so NVRTC finds them by soname).</summary>
    public static IEnumerable<string> BuiltinsIn(string dir) =>
        ListFiles(dir).Where(n => n.StartsWith("libnvrtc-builtins", StringComparison.Ordinal) && n.Contains(".so", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(n => Path.Combine(dir, n));

    /// <summary><c>libnvrtc-&lt;hash&gt;.so.&lt;major&gt;</c> as bundled by libtorch, not <c>libnvrtc-builtins*</c>.</summary>
    internal static bool IsHashedNvrtc(string name) =>
        name.StartsWith("libnvrtc-", StringComparison.Ordinal) && !name.StartsWith("libnvrtc-builtins", StringComparison.Ordinal)
        && name.Contains(".so", StringComparison.Ordinal);

    private static IEnumerable<string> ListFiles(string dir)
    {
        try { return Directory.Exists(dir) ? Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>().ToList() : []; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
