using System.Runtime.Intrinsics;
using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Native;

namespace MtSnn.Settings;

/// <summary>
/// Every <c>MTSNN_*</c> setting, parsed once into one object: <c>MTSNN_NEURON_BACKEND</c>, <c>MTSNN_CPU_VECTOR_BITS</c>,
/// <c>MTSNN_CUDA_BACKWARD</c>, <c>MTSNN_MALLOC</c>, <c>MTSNN_MALLOC_CAP</c>, <c>MTSNN_HUGEPAGES</c>, <c>MTSNN_LIBTORCH</c>, <c>MTSNN_CACHE</c>,
/// <c>MTSNN_DATA</c>, <c>MTSNN_MPI_LIB</c> and <c>MTSNN_NCCL_LIB</c>. The unit that owns a variable keeps its name, its
/// allowed values and its parser (so they are written once); this object calls every parser when it is built and keeps
/// each value or its error. Building never throws (no static initialiser can fail on a typo); reading a bad value
/// throws its <see cref="SettingException"/>, one line naming the variable and the allowed values, and
/// <see cref="Validate"/> (the CLI calls it before every command) throws the first one. <see cref="Current"/> is the
/// process's object, read from the environment at first use; <c>mtsnn doctor</c> prints <see cref="All"/>.
/// </summary>
public sealed class MtSnnSettings
{
    /// <summary>Environment variable naming the cache folder (default <c>$XDG_CACHE_HOME/mtsnn</c>, else <c>~/.cache/mtsnn</c>).</summary>
    public const string CacheVariable = "MTSNN_CACHE";

    /// <summary>The variables in the order they are checked and printed (backend choices, memory, then paths).</summary>
    private static readonly Definition[] Definitions =
    [
        new(NeuronDispatch.Variable, NeuronDispatch.AllowedValues, () => "auto",
            raw => NeuronDispatch.Parse(raw), v => v!.ToString()!.ToLowerInvariant()),
        new(CpuNeuronKernel.VectorBitsVariable, "256, 512", () => $"the hardware's width, {(Vector512.IsHardwareAccelerated ? 512 : 256)} (Vector512 accelerated: {(Vector512.IsHardwareAccelerated ? "yes" : "no")})",
            raw => CpuNeuronKernel.ChooseVectorBits(raw, Vector512.IsHardwareAccelerated), v => $"{v}"),
        new(CudaBackwardPolicy.Variable, CudaBackwardPolicy.AllowedValues, () => $"auto, {CudaBackwardPolicy.Name(CudaBackwardPolicy.Measured)} until a GPU measurement decides",
            raw => CudaBackwardPolicy.Parse(raw), v => CudaBackwardPolicy.Name((BackwardState)v!)),
        new(CpuAllocator.Variable, string.Join(", ", CpuAllocator.Values), () => CpuAllocator.PlatformDefaultText,
            raw => CpuAllocator.Parse(raw) ?? CpuAllocator.PlatformDefault, v => CpuAllocator.Values[(int)v!]),
        new(CpuAllocator.CapVariable, CpuAllocator.CapAllowed, () =>
                $"1/{CpuAllocator.CacheCapDivisor} of the memory under cache ({CpuAllocator.Mib(CpuAllocator.DefaultCap(CpuAllocatorMode.Cache, CpuAllocator.MemoryLimit))}), 1/{CpuAllocator.DefaultCapDivisor} under capped ({CpuAllocator.Mib(CpuAllocator.DefaultCap(CpuAllocatorMode.Capped, CpuAllocator.MemoryLimit))})",
            raw => CpuAllocator.ParseCap(raw, CpuAllocator.MemoryLimit), v => v is long cap ? CpuAllocator.Mib(cap) : "the mode's default"),
        new(HugePages.Variable, string.Join(", ", HugePages.Values), () => $"off (on needs the kernel's transparent huge pages: {HugePages.KernelMode ?? "none"} here)",
            raw => HugePages.Parse(raw, HugePages.KernelMode), v => (bool)v! ? "on" : "off"),
        new(TorchRuntime.LibTorchVariable, "a libtorch lib folder (e.g. <python site-packages>/torch/lib)", () => "the packaged libtorch",
            PathOrNull, ShowPath),
        new(CacheVariable, "a folder", () => "$XDG_CACHE_HOME/mtsnn, else ~/.cache/mtsnn",
            raw => PathOrNull(raw) ?? UserCacheRoot(), ShowPath),
        new(MtSnn.Data.DatasetOptions.DataVariable, "a folder with one folder per data set", () => "no data root (--data DIR and the system folders)",
            PathOrNull, ShowPath),
        new(MtSnn.Distributed.MpiCollectives.LibraryVariable, "the path of Open MPI's libmpi.so", () => "libmpi.so.40, then libmpi.so, from the system loader",
            PathOrNull, ShowPath),
        new(MtSnn.Distributed.NcclCollectives.LibraryVariable, "the path of libnccl.so.2", () => "the PyTorch wheel's next to MTSNN_LIBTORCH, then libnccl.so.2 from the system loader",
            PathOrNull, ShowPath),
    ];

    /// <summary>The names of every <c>MTSNN_*</c> variable MtSnn reads, in the order of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Variables { get; } = [.. Definitions.Select(d => d.Variable)];

    private static MtSnnSettings? s_process;
    private static int s_overrides;   // live override scopes in the process: 0 outside tests, so Current is one static read
    private static readonly AsyncLocal<MtSnnSettings?> s_override = new();

    private readonly Dictionary<string, Setting> _byName;

    private MtSnnSettings(Func<string, string?> get, Func<string, bool> overridden)
    {
        var all = new List<Setting>();
        foreach (var d in Definitions)
        {
            string? raw = get(d.Variable);
            var source = overridden(d.Variable) ? SettingSource.Override : string.IsNullOrWhiteSpace(raw) ? SettingSource.Default : SettingSource.Environment;
            all.Add(d.Parse(raw, source));
        }
        All = all;
        _byName = all.ToDictionary(s => s.Variable, StringComparer.Ordinal);
    }

    /// <summary>The settings of this process: the environment as it was at first use, or a test's override scope on this flow.</summary>
    public static MtSnnSettings Current =>
        Volatile.Read(ref s_overrides) != 0 && s_override.Value is { } o ? o : Volatile.Read(ref s_process) ?? CreateProcess();

    /// <summary>Settings read through <paramref name="get"/> (null: unset). Never throws: a bad value is kept as its error.</summary>
    public static MtSnnSettings FromVariables(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        return new MtSnnSettings(get, _ => false);
    }

    private static MtSnnSettings CreateProcess()
    {
        Interlocked.CompareExchange(ref s_process, FromVariables(Environment.GetEnvironmentVariable), null);
        return s_process!;
    }

    /// <summary>Every setting, in the order <c>mtsnn doctor</c> prints them.</summary>
    public IReadOnlyList<Setting> All { get; }

    /// <summary>One setting by variable name.</summary>
    /// <exception cref="ArgumentException">Not a variable MtSnn reads (the message lists them).</exception>
    public Setting this[string variable] => _byName.TryGetValue(variable, out var s) ? s
        : throw new ArgumentException($"unknown setting '{variable}' (allowed: {string.Join(", ", Variables)})");

    /// <summary>Throws the <see cref="SettingException"/> of the first setting that holds a bad value.</summary>
    public void Validate()
    {
        foreach (var s in All)
            if (s.Error is { } e) throw e;
    }

    /// <summary><c>MTSNN_NEURON_BACKEND</c>: the backend a module asking for auto gets (default auto).</summary>
    public NeuronBackend NeuronBackend => Get<NeuronBackend>(NeuronDispatch.Variable);
    /// <summary><c>MTSNN_CPU_VECTOR_BITS</c>: the fused CPU kernel's vector width in bits (default: 512 where accelerated, else 256).</summary>
    public int CpuVectorBits => Get<int>(CpuNeuronKernel.VectorBitsVariable);
    /// <summary><c>MTSNN_CUDA_BACKWARD</c>: what the CUDA kernel keeps for its backward when the caller does not say.</summary>
    public BackwardState CudaBackward => Get<BackwardState>(CudaBackwardPolicy.Variable);
    /// <summary><c>MTSNN_MALLOC</c>: the CPU allocator policy (default: <see cref="CpuAllocator.PlatformDefaultText"/>).</summary>
    public CpuAllocatorMode Allocator => Get<CpuAllocatorMode>(CpuAllocator.Variable);
    /// <summary><c>MTSNN_MALLOC_CAP</c>: the cap in bytes of <see cref="CpuAllocatorMode.Cache"/> and <see cref="CpuAllocatorMode.Capped"/>, or null for the mode's default (<see cref="CpuAllocator.DefaultCap"/>).</summary>
    public long? AllocatorCap => Get<long?>(CpuAllocator.CapVariable);
    /// <summary><c>MTSNN_HUGEPAGES</c>: whether libtorch's large CPU blocks ask for transparent huge pages (default off).</summary>
    public bool UseHugePages => Get<bool>(HugePages.Variable);
    /// <summary><c>MTSNN_LIBTORCH</c>: a libtorch folder to load instead of the packaged one, or null.</summary>
    public string? LibTorchDir => Get<string?>(TorchRuntime.LibTorchVariable);
    /// <summary><c>MTSNN_CACHE</c>: MtSnn's cache folder (corrected native shims under <c>native/</c>, downloaded data sets under <c>NAME/</c> when no data folder is given).</summary>
    public string CacheRoot => Get<string>(CacheVariable);
    /// <summary><c>MTSNN_DATA</c>: a data root (data set NAME in ROOT/NAME), or null.</summary>
    public string? DataRoot => Get<string?>(MtSnn.Data.DatasetOptions.DataVariable);
    /// <summary><c>MTSNN_MPI_LIB</c>: the Open MPI library to load instead of libmpi.so.40, or null.</summary>
    public string? MpiLibrary => Get<string?>(MtSnn.Distributed.MpiCollectives.LibraryVariable);
    /// <summary><c>MTSNN_NCCL_LIB</c>: the NCCL library to load instead of libnccl.so.2, or null.</summary>
    public string? NcclLibrary => Get<string?>(MtSnn.Distributed.NcclCollectives.LibraryVariable);

    private T Get<T>(string variable)
    {
        var s = _byName[variable];
        if (s.Error is { } e) throw e;
        return (T)s.Value!;
    }

    /// <summary>The cache folder when <c>MTSNN_CACHE</c> is unset: <c>$XDG_CACHE_HOME/mtsnn</c>, else <c>~/.cache/mtsnn</c>.</summary>
    public static string UserCacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        return string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "mtsnn")
            : Path.Combine(xdg, "mtsnn");
    }

    /// <summary>
    /// Makes <see cref="Current"/>, on this thread and the async flow it starts, the current settings with
    /// <paramref name="values"/> in place of their variables (a null value: unset) until the scope is disposed.
    /// For tests: the process environment is not changed, and other threads keep the process's settings.
    /// </summary>
    /// <exception cref="ArgumentException">A name that is not one of <see cref="Variables"/>.</exception>
    internal static OverrideScope Override(IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (string k in values.Keys)
            if (!Variables.Contains(k)) throw new ArgumentException($"unknown setting '{k}' (allowed: {string.Join(", ", Variables)})");
        var outer = Current;
        var settings = new MtSnnSettings(k => values.TryGetValue(k, out var v) ? v : outer[k].Raw,
            k => values.ContainsKey(k) || outer[k].Source == SettingSource.Override);
        var previous = s_override.Value;
        s_override.Value = settings;
        Interlocked.Increment(ref s_overrides);
        return new OverrideScope(previous);
    }

    /// <summary>Restores the settings that were current before <see cref="Override"/> when disposed.</summary>
    internal sealed class OverrideScope(MtSnnSettings? previous) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            s_override.Value = previous;
            Interlocked.Decrement(ref s_overrides);
        }
    }

    private static string? PathOrNull(string? raw) => string.IsNullOrEmpty(raw) ? null : raw;
    private static string ShowPath(object? v) => v as string ?? "unset";

    /// <summary>How one variable is parsed: its name, what it accepts, what unset means, and the parser (which may throw; the error is kept).</summary>
    private sealed record Definition(string Variable, string Allowed, Func<string> DefaultText, Func<string?, object?> ParseValue, Func<object?, string> Show)
    {
        public Setting Parse(string? raw, SettingSource source)
        {
            try
            {
                object? value = ParseValue(raw);
                return new Setting(Variable, raw, source, value, Show(value), Allowed, DefaultText(), null);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or NativeRuntimeException or FormatException)
            {
                string message = e.Message.Contains(Variable, StringComparison.Ordinal) ? e.Message : $"{Variable}: {e.Message}";
                return new Setting(Variable, raw, source, null, "invalid", Allowed, DefaultText(), new SettingException(message, e));
            }
        }
    }
}
