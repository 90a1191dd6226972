using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Native;

namespace MtSnn.Settings;

/// <summary>
/// The one place that checks every <c>MTSNN_*</c> setting read from the environment before a command runs:
/// <c>MTSNN_NEURON_BACKEND</c>, <c>MTSNN_CPU_VECTOR_BITS</c>, <c>MTSNN_CUDA_BACKWARD</c>, <c>MTSNN_MALLOC</c> and <c>MTSNN_MALLOC_CAP</c>.
/// Each is parsed by the unit that owns it (so the allowed values are written once); a bad value becomes one
/// <see cref="SettingException"/> naming the variable, the value and what is allowed, instead of a failure deep
/// inside a static initialiser or kernel call.
/// </summary>
public static class EnvironmentSettings
{
    /// <summary>Parses every setting; throws <see cref="SettingException"/> for the first one that is invalid.</summary>
    public static void Validate()
    {
        Check(NeuronDispatch.Variable, () => NeuronDispatch.Parse(Environment.GetEnvironmentVariable(NeuronDispatch.Variable)));
        Check(CpuNeuronKernel.VectorBitsVariable, () => CpuNeuronKernel.VectorBits);
        Check(CudaBackwardPolicy.Variable, () => CudaBackwardPolicy.Parse(Environment.GetEnvironmentVariable(CudaBackwardPolicy.Variable)));
        Check(CpuAllocator.Variable, () => CpuAllocator.Mode);
        Check(CpuAllocator.CapVariable, () => CpuAllocator.Cap);
    }

    private static void Check<T>(string variable, Func<T> parse)
    {
        try { _ = parse(); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or NativeRuntimeException)
        {
            string message = e.Message.Contains(variable, StringComparison.Ordinal) ? e.Message : $"{variable}: {e.Message}";
            throw new SettingException(message, e);
        }
    }
}

/// <summary>An <c>MTSNN_*</c> environment setting holds a value that is not allowed; the message names the variable and the allowed values.</summary>
public sealed class SettingException(string message, Exception? inner = null) : ArgumentException(message, inner);
