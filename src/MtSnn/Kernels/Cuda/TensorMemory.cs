using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Cuda;

/// <summary>
/// The address of a tensor's first element on its device, from LibTorchSharp's exported <c>THSTensor_data</c>
/// (<c>tensor.data_ptr()</c>, storage offset included; TorchSharp 0.107 has no managed accessor for device memory).
/// The export is taken from the LibTorchSharp copy this process actually loaded (read from /proc/self/maps, since
/// <see cref="MtSnn.Native.TorchRuntime"/> may load a repaired copy), else from TorchSharp's own resolution.
/// </summary>
public static unsafe class TensorMemory
{
    private static readonly Lazy<nint> DataExport = new(ResolveData);

    /// <summary>The address of <paramref name="t"/>'s first element (device memory for a CUDA tensor).</summary>
    /// <exception cref="InvalidOperationException">The tensor has no storage (LibTorchSharp returned null) and is not empty.</exception>
    public static nint DataPointer(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var f = (delegate* unmanaged<nint, nint>)DataExport.Value;
        nint p = f(t.Handle);
        if (p == 0 && t.numel() > 0) throw new InvalidOperationException($"THSTensor_data returned null for a {t.dtype} tensor on {t.device}");
        return p;
    }

    private static nint ResolveData()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        foreach (string path in MtSnn.Native.TorchRuntime.LoadedLibraries("LibTorchSharp"))
            if (NativeLibrary.TryLoad(path, out nint lib) && NativeLibrary.TryGetExport(lib, "THSTensor_data", out nint f)) return f;
        nint fallback = NativeLibrary.Load("LibTorchSharp", typeof(TorchSharp.torch).Assembly, null);
        return NativeLibrary.GetExport(fallback, "THSTensor_data");
    }
}
