using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace MtSnn.Kernels.Cuda;

/// <summary>
/// Compiles generated kernels with NVRTC for a device's compute capability and keeps the loaded functions, one per
/// (entry name, device); the entry name carries a hash of the source, so the cache key is the source. Options:
/// <c>--gpu-architecture=sm_XY</c> (a CUBIN; when NVRTC lacks the target or the driver refuses the CUBIN, PTX for
/// <c>compute_XY</c> is loaded instead and JIT-compiled by the driver), <c>-default-device</c>, and <c>--fmad=false</c>
/// so that float results are the IEEE results of the source as written (as in the CPU emulation); no fast math.
/// Work runs in the device's primary context, the one PyTorch's runtime uses.
/// </summary>
internal static unsafe class CudaCompiler
{
    private static readonly ConcurrentDictionary<(string Entry, int Device), Lazy<nint>> Functions = new();
    private static readonly ConcurrentDictionary<int, Lazy<nint>> Contexts = new();

    /// <summary>The loaded kernel function for <paramref name="code"/> on CUDA device <paramref name="device"/> (compiled once).</summary>
    public static nint Function(CudaKernelCode code, int device) =>
        Functions.GetOrAdd((code.EntryName, device), _ => new Lazy<nint>(() => Load(code, device))).Value;

    /// <summary>Makes the primary context of <paramref name="device"/> current on this thread.</summary>
    public static void MakeCurrent(int device)
    {
        nint ctx = Contexts.GetOrAdd(device, d => new Lazy<nint>(() => RetainPrimary(d))).Value;
        CudaRuntime.Check(CudaRuntime.CuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    }

    private static nint RetainPrimary(int ordinal)
    {
        CudaRuntime.EnsureAvailable();
        int dev = 0;
        nint ctx = 0;
        CudaRuntime.Check(CudaRuntime.CuDeviceGet(&dev, ordinal), $"cuDeviceGet({ordinal})");
        CudaRuntime.Check(CudaRuntime.CuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
        return ctx;
    }

    private static (int Major, int Minor) Capability(int ordinal)
    {
        int dev = 0, major = 0, minor = 0;
        CudaRuntime.Check(CudaRuntime.CuDeviceGet(&dev, ordinal), $"cuDeviceGet({ordinal})");
        CudaRuntime.Check(CudaRuntime.CuDeviceGetAttribute(&major, CudaRuntime.AttributeCcMajor, dev), "cuDeviceGetAttribute(major)");
        CudaRuntime.Check(CudaRuntime.CuDeviceGetAttribute(&minor, CudaRuntime.AttributeCcMinor, dev), "cuDeviceGetAttribute(minor)");
        return (major, minor);
    }

    private static nint Load(CudaKernelCode code, int device)
    {
        MakeCurrent(device);
        var (major, minor) = Capability(device);
        string cubinProblem = "NVRTC has no CUBIN output";
        if (CudaRuntime.NvrtcGetCUBIN != null)
        {
            try
            {
                var image = Compile(code, $"--gpu-architecture=sm_{major}{minor}", cubin: true);
                if (TryLoad(image, code.EntryName, out nint f, out cubinProblem)) return f;
            }
            catch (CudaException e) { cubinProblem = e.Message; }
        }
        var ptx = Compile(code, $"--gpu-architecture=compute_{major}{minor}", cubin: false);
        if (TryLoad(ptx, code.EntryName, out nint g, out string ptxProblem)) return g;
        throw new CudaException($"could not load kernel {code.EntryName} on cuda:{device} (sm_{major}{minor}): CUBIN: {cubinProblem}; PTX: {ptxProblem}");
    }

    private static bool TryLoad(byte[] image, string entry, out nint function, out string problem)
    {
        nint module = 0;
        function = 0;
        fixed (byte* p = image)
        {
            int r = CudaRuntime.CuModuleLoadData(&module, p);
            if (r != 0) { problem = $"cuModuleLoadData: {CudaRuntime.DriverError(r)}"; return false; }
        }
        var name = Encoding.ASCII.GetBytes(entry + "\0");
        fixed (byte* n = name)
        fixed (nint* f = &function)
        {
            int r = CudaRuntime.CuModuleGetFunction(f, module, n);
            if (r != 0) { problem = $"cuModuleGetFunction: {CudaRuntime.DriverError(r)}"; return false; }
        }
        problem = "";
        return true;
    }

    /// <summary>Compiles to a CUBIN or to PTX (null-terminated), throwing with NVRTC's log on failure.</summary>
    private static byte[] Compile(CudaKernelCode code, string arch, bool cubin)
    {
        var source = Encoding.UTF8.GetBytes(code.Source + "\0");
        var name = Encoding.ASCII.GetBytes(code.EntryName + ".cu\0");
        string[] options = [arch, "-default-device", "--fmad=false"];
        var optionBytes = options.Select(o => Encoding.ASCII.GetBytes(o + "\0")).ToArray();
        var handles = optionBytes.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
        nint prog = 0;
        try
        {
            byte** opts = stackalloc byte*[options.Length];
            for (int i = 0; i < options.Length; i++) opts[i] = (byte*)handles[i].AddrOfPinnedObject();
            fixed (byte* src = source, nm = name)
            {
                int r = CudaRuntime.NvrtcCreateProgram(&prog, src, nm, 0, null, null);
                if (r != 0) throw new CudaException($"nvrtcCreateProgram failed: {CudaRuntime.NvrtcError(r)}");
            }
            int c = CudaRuntime.NvrtcCompileProgram(prog, options.Length, opts);
            if (c != 0) throw new CudaException($"NVRTC could not compile {code.EntryName} ({arch}): {CudaRuntime.NvrtcError(c)}: {Log(prog)}");
            nuint size = 0;
            int s = cubin ? CudaRuntime.NvrtcGetCUBINSize(prog, &size) : CudaRuntime.NvrtcGetPTXSize(prog, &size);
            if (s != 0) throw new CudaException($"NVRTC output size failed: {CudaRuntime.NvrtcError(s)}");
            var image = new byte[(int)size];
            fixed (byte* p = image)
                s = cubin ? CudaRuntime.NvrtcGetCUBIN(prog, p) : CudaRuntime.NvrtcGetPTX(prog, p);
            if (s != 0) throw new CudaException($"NVRTC output failed: {CudaRuntime.NvrtcError(s)}");
            return image;
        }
        finally
        {
            if (prog != 0) CudaRuntime.NvrtcDestroyProgram(&prog);
            foreach (var h in handles) h.Free();
        }
    }

    private static string Log(nint prog)
    {
        nuint size = 0;
        if (CudaRuntime.NvrtcGetProgramLogSize(prog, &size) != 0 || size <= 1) return "(no log)";
        var log = new byte[(int)size];
        fixed (byte* p = log) CudaRuntime.NvrtcGetProgramLog(prog, p);
        return Encoding.UTF8.GetString(log, 0, log.Length - 1).ReplaceLineEndings(" | ").Trim();
    }
}
