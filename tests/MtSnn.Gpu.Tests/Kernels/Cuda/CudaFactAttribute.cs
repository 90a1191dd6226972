using System.Runtime.CompilerServices;
using MtSnn.Kernels.Cuda;
using Xunit;

namespace MtSnn.Gpu.Tests.Kernels.Cuda;

/// <summary>A fact that runs only where the CUDA kernel can run (driver, device, NVRTC, and a CUDA libtorch); skipped with the reason otherwise.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    /// <summary>Null when a GPU run is possible, else why not.</summary>
    public static readonly string? Unavailable = Probe();

    public CudaFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (Unavailable is { } why) Skip = why;
    }

    private static string? Probe()
    {
        var a = CudaRuntime.Availability;
        if (!a.Available) return $"no CUDA: {a.Reason}";
        try
        {
            string why = MtSnn.Native.Devices.CudaUnavailableReason();
            return why.Length == 0 ? null : $"no CUDA in libtorch: {why} (set {MtSnn.Native.TorchRuntime.LibTorchVariable})";
        }
        catch (Exception e) { return $"no CUDA in libtorch: {e.Message}"; }
    }
}

/// <summary>A theory with the same condition as <see cref="CudaFactAttribute"/>.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (CudaFactAttribute.Unavailable is { } why) Skip = why;
    }
}
