using System.Runtime.InteropServices;

namespace MtSnn.Kernels.Cuda;

/// <summary>Whether the CUDA kernel can run in this process, and why not when it cannot.</summary>
/// <param name="Available">True when the driver, a device and NVRTC were all found.</param>
/// <param name="Reason">What was found (when available) or the first thing missing, in one line.</param>
public readonly record struct CudaAvailability(bool Available, string Reason);

/// <summary>A CUDA driver or NVRTC call failed; the message names the call and the error.</summary>
public sealed class CudaException(string message) : Exception(message);

/// <summary>
/// The CUDA driver API (<c>libcuda.so.1</c>) and NVRTC, bound at run time with <see cref="NativeLibrary"/> (never at build
/// time: the package builds and runs without CUDA). <see cref="Availability"/> probes once, lazily, and never throws.
/// Only the calls the fused neuron kernel needs are bound; they are unmanaged function pointers.
/// </summary>
public static unsafe class CudaRuntime
{
    private static readonly Lazy<CudaAvailability> Probe = new(ProbeOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether CUDA kernels can run (driver, at least one device, NVRTC); computed once, never throws.</summary>
    public static CudaAvailability Availability => Probe.Value;

    /// <summary>The NVRTC library that was loaded (null before the probe or when none was found).</summary>
    public static string? NvrtcPath { get; private set; }

    // driver API (CUresult = int; CUdevice = int; CUcontext, CUmodule, CUfunction, CUstream = pointers)
    internal static delegate* unmanaged<uint, int> CuInit;
    internal static delegate* unmanaged<int*, int> CuDriverGetVersion;
    internal static delegate* unmanaged<int*, int> CuDeviceGetCount;
    internal static delegate* unmanaged<int*, int, int> CuDeviceGet;
    internal static delegate* unmanaged<int*, int, int, int> CuDeviceGetAttribute;
    internal static delegate* unmanaged<byte*, int, int, int> CuDeviceGetName;
    internal static delegate* unmanaged<nint*, int, int> CuDevicePrimaryCtxRetain;
    internal static delegate* unmanaged<nint, int> CuCtxSetCurrent;
    internal static delegate* unmanaged<nint*, void*, int> CuModuleLoadData;
    internal static delegate* unmanaged<nint*, nint, byte*, int> CuModuleGetFunction;
    internal static delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> CuLaunchKernel;
    internal static delegate* unmanaged<int, byte**, int> CuGetErrorString;
    internal static delegate* unmanaged<int, byte**, int> CuGetErrorName;
    // NVRTC (nvrtcResult = int; nvrtcProgram = pointer)
    internal static delegate* unmanaged<int*, int*, int> NvrtcVersion;
    internal static delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int> NvrtcCreateProgram;
    internal static delegate* unmanaged<nint, int, byte**, int> NvrtcCompileProgram;
    internal static delegate* unmanaged<nint*, int> NvrtcDestroyProgram;
    internal static delegate* unmanaged<nint, nuint*, int> NvrtcGetProgramLogSize;
    internal static delegate* unmanaged<nint, byte*, int> NvrtcGetProgramLog;
    internal static delegate* unmanaged<nint, nuint*, int> NvrtcGetPTXSize;
    internal static delegate* unmanaged<nint, byte*, int> NvrtcGetPTX;
    internal static delegate* unmanaged<nint, nuint*, int> NvrtcGetCUBINSize;
    internal static delegate* unmanaged<nint, byte*, int> NvrtcGetCUBIN;
    internal static delegate* unmanaged<int, byte*> NvrtcGetErrorString;

    /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR.</summary>
    internal const int AttributeCcMajor = 75, AttributeCcMinor = 76;

    /// <summary>
    /// The driver's name and compute capability of device <paramref name="ordinal"/>, e.g.
    /// <c>"NVIDIA H100 80GB HBM3, compute capability 9.0"</c>; never throws: when CUDA is unavailable or a call fails,
    /// the text says so instead.
    /// </summary>
    public static string DescribeDevice(int ordinal)
    {
        var a = Availability;
        if (!a.Available) return $"cuda:{ordinal} (not available: {a.Reason})";
        int device = 0, r = CuDeviceGet(&device, ordinal);
        if (r != 0) return $"cuda:{ordinal} (cuDeviceGet failed: {DriverError(r)})";
        string name = "unnamed CUDA device";
        if (CuDeviceGetName != null)
        {
            byte* buffer = stackalloc byte[256];
            if (CuDeviceGetName(buffer, 256, device) == 0) name = Marshal.PtrToStringUTF8((nint)buffer) ?? name;
        }
        int major = 0, minor = 0;
        if (CuDeviceGetAttribute(&major, AttributeCcMajor, device) != 0 || CuDeviceGetAttribute(&minor, AttributeCcMinor, device) != 0)
            return name;
        return $"{name}, compute capability {major}.{minor}";
    }

    /// <summary>Throws <see cref="CudaException"/> unless <see cref="Availability"/> is true.</summary>
    internal static void EnsureAvailable()
    {
        var a = Availability;
        if (!a.Available) throw new CudaException($"the CUDA neuron kernel cannot run: {a.Reason}");
    }

    /// <summary>Throws <see cref="CudaException"/> naming <paramref name="call"/> when a driver call failed.</summary>
    internal static void Check(int result, string call)
    {
        if (result != 0) throw new CudaException($"{call} failed: {DriverError(result)}");
    }

    /// <summary>The driver's name and text for an error code, e.g. "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)".</summary>
    internal static string DriverError(int result)
    {
        byte* name = null, text = null;
        if (CuGetErrorName != null) CuGetErrorName(result, &name);
        if (CuGetErrorString != null) CuGetErrorString(result, &text);
        string n = name == null ? $"CUresult {result}" : Marshal.PtrToStringUTF8((nint)name) ?? $"CUresult {result}";
        return text == null ? n : $"{n} ({Marshal.PtrToStringUTF8((nint)text)})";
    }

    /// <summary>NVRTC's text for an error code.</summary>
    internal static string NvrtcError(int result) =>
        NvrtcGetErrorString == null ? $"nvrtcResult {result}" : Marshal.PtrToStringUTF8((nint)NvrtcGetErrorString(result)) ?? $"nvrtcResult {result}";

    private static CudaAvailability ProbeOnce()
    {
        try { return ProbeDriver() is { } driverProblem ? new(false, driverProblem) : ProbeNvrtc(); }
        catch (Exception e) { return new(false, $"probing CUDA failed: {e.GetType().Name}: {e.Message}"); }
    }

    private static string? ProbeDriver()
    {
        if (!OperatingSystem.IsLinux()) return "the CUDA kernel is bound to the Linux driver (libcuda.so.1); this is not Linux";
        nint lib = 0;
        if (!CudaLibrarySearch.DriverNames.Any(name => NativeLibrary.TryLoad(name, out lib)))
            return "libcuda.so.1 not found (no NVIDIA driver)";
        string? missing = null;
        nint Get(string name)
        {
            if (NativeLibrary.TryGetExport(lib, name, out nint p)) return p;
            missing ??= name;
            return 0;
        }
        CuInit = (delegate* unmanaged<uint, int>)Get("cuInit");
        CuDriverGetVersion = (delegate* unmanaged<int*, int>)Get("cuDriverGetVersion");
        CuDeviceGetCount = (delegate* unmanaged<int*, int>)Get("cuDeviceGetCount");
        CuDeviceGet = (delegate* unmanaged<int*, int, int>)Get("cuDeviceGet");
        CuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)Get("cuDeviceGetAttribute");
        CuDevicePrimaryCtxRetain = (delegate* unmanaged<nint*, int, int>)Get("cuDevicePrimaryCtxRetain");
        CuCtxSetCurrent = (delegate* unmanaged<nint, int>)Get("cuCtxSetCurrent");
        CuModuleLoadData = (delegate* unmanaged<nint*, void*, int>)Get("cuModuleLoadData");
        CuModuleGetFunction = (delegate* unmanaged<nint*, nint, byte*, int>)Get("cuModuleGetFunction");
        CuLaunchKernel = (delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)Get("cuLaunchKernel");
        CuGetErrorString = (delegate* unmanaged<int, byte**, int>)Get("cuGetErrorString");
        CuGetErrorName = (delegate* unmanaged<int, byte**, int>)Get("cuGetErrorName");
        if (missing is not null) return $"libcuda.so.1 lacks {missing} (driver too old)";
        // Only for describing the device (DescribeDevice); its absence does not make the kernel unavailable.
        if (NativeLibrary.TryGetExport(lib, "cuDeviceGetName", out nint getName)) CuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)getName;
        int r = CuInit(0);
        if (r != 0) return $"cuInit failed: {DriverError(r)}";
        int count = 0;
        r = CuDeviceGetCount(&count);
        if (r != 0) return $"cuDeviceGetCount failed: {DriverError(r)}";
        return count == 0 ? "the NVIDIA driver reports no CUDA device" : null;
    }

    private static CudaAvailability ProbeNvrtc()
    {
        var candidates = CudaLibrarySearch.NvrtcCandidates();
        nint lib = 0;
        string? path = null;
        foreach (string c in candidates)
        {
            if (Path.IsPathRooted(c))
                foreach (string builtins in CudaLibrarySearch.BuiltinsIn(Path.GetDirectoryName(c)!)) NativeLibrary.TryLoad(builtins, out _);
            if (NativeLibrary.TryLoad(c, out lib)) { path = c; break; }
        }
        if (path is null)
            return new(false, $"NVRTC not found (tried {string.Join(", ", candidates)}); install PyTorch's nvidia-cuda-nvrtc wheel or point {MtSnn.Native.TorchRuntime.LibTorchVariable} at a CUDA libtorch/lib folder");
        string? missing = null;
        nint Get(string name)
        {
            if (NativeLibrary.TryGetExport(lib, name, out nint p)) return p;
            missing ??= name;
            return 0;
        }
        NvrtcVersion = (delegate* unmanaged<int*, int*, int>)Get("nvrtcVersion");
        NvrtcCreateProgram = (delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int>)Get("nvrtcCreateProgram");
        NvrtcCompileProgram = (delegate* unmanaged<nint, int, byte**, int>)Get("nvrtcCompileProgram");
        NvrtcDestroyProgram = (delegate* unmanaged<nint*, int>)Get("nvrtcDestroyProgram");
        NvrtcGetProgramLogSize = (delegate* unmanaged<nint, nuint*, int>)Get("nvrtcGetProgramLogSize");
        NvrtcGetProgramLog = (delegate* unmanaged<nint, byte*, int>)Get("nvrtcGetProgramLog");
        NvrtcGetPTXSize = (delegate* unmanaged<nint, nuint*, int>)Get("nvrtcGetPTXSize");
        NvrtcGetPTX = (delegate* unmanaged<nint, byte*, int>)Get("nvrtcGetPTX");
        NvrtcGetErrorString = (delegate* unmanaged<int, byte*>)Get("nvrtcGetErrorString");
        if (missing is not null) return new(false, $"{path} lacks {missing}");
        // CUBIN output exists from CUDA 11.1; without it the PTX path is used.
        if (NativeLibrary.TryGetExport(lib, "nvrtcGetCUBINSize", out nint cs) && NativeLibrary.TryGetExport(lib, "nvrtcGetCUBIN", out nint cb))
        {
            NvrtcGetCUBINSize = (delegate* unmanaged<nint, nuint*, int>)cs;
            NvrtcGetCUBIN = (delegate* unmanaged<nint, byte*, int>)cb;
        }
        NvrtcPath = path;
        int driver = 0, major = 0, minor = 0, count = 0;
        CuDriverGetVersion(&driver);
        NvrtcVersion(&major, &minor);
        CuDeviceGetCount(&count);
        return new(true, $"CUDA driver {driver / 1000}.{driver % 1000 / 10}, {count} device(s), NVRTC {major}.{minor} ({path})");
    }
}
