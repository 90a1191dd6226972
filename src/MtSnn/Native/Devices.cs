using TorchSharp;

namespace MtSnn.Native;

/// <summary>Turns the <c>--device</c> names users type into TorchSharp devices, failing loudly when one cannot be used.</summary>
public static class Devices
{
    /// <summary>Allowed spellings, for messages.</summary>
    public const string Allowed = "cpu, cuda, cuda:N";

    /// <summary>
    /// Resolves <paramref name="name"/> (cpu, cuda, cuda:N). A CUDA device that cannot be initialised throws
    /// <see cref="NativeRuntimeException"/> saying why and how to get CUDA (<c>MTSNN_LIBTORCH</c>); there is no
    /// silent fallback to the CPU.
    /// </summary>
    public static torch.Device Resolve(string name)
    {
        TorchRuntime.EnsureInitialized();
        string n = name.Trim().ToLowerInvariant();
        if (n == "cpu") return torch.CPU;
        if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (n.Length > 4 && (!int.TryParse(n[5..], out index) || index < 0))
                throw new ArgumentException($"invalid device '{name}' (allowed: {Allowed})");
            string why = CudaUnavailableReason();
            if (why.Length > 0)
                throw new NativeRuntimeException($"--device {name}: CUDA cannot be initialised ({why}); point {TorchRuntime.LibTorchVariable} at a CUDA build of libtorch (e.g. <site-packages>/torch/lib) on a machine with an NVIDIA GPU");
            int count = torch.cuda.device_count();
            if (index >= count) throw new ArgumentException($"--device {name}: only {count} CUDA device(s) present (allowed: cuda:0..cuda:{count - 1})");
            return torch.device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"invalid device '{name}' (allowed: {Allowed})");
    }

    /// <summary>Empty when CUDA works; otherwise a short reason.</summary>
    public static string CudaUnavailableReason()
    {
        TorchRuntime.EnsureInitialized();
        if (torch.cuda.is_available()) return "";
        try
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
            return torch.cuda.is_available() ? "" : "libtorch reports no CUDA device";
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or DllNotFoundException)
        {
            return "the loaded libtorch has no CUDA support or no GPU/driver is present";
        }
    }
}
