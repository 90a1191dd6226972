using Xunit;

namespace MtSnn.Tests.Cli;

public class DoctorCommandTests
{
    [Fact]
    public void Doctor_reports_every_section_and_exits_0_when_tensors_work()
    {
        var r = CliRunner.Run("doctor");
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var key in new[] { "OS:", "libstdc++:", "shim:", "libtorch:", "threads:", $"CPU kernel:  {MtSnn.Kernels.CpuNeuronKernel.VectorBits}-bit vectors", "CUDA:", "tensors:     ok" })
            Assert.Contains(key, r.StdOut);
        // The test process runs the default policy (the module initialiser ran with MTSNN_MALLOC unset): the cache on
        // Linux x64, where the tests run, and libc10 still has it as its CPU allocator
        var alloc = Assert.Single(r.StdOut.Split('\n'), l => l.StartsWith("allocator:", StringComparison.Ordinal)).TrimEnd('\r');
        if (!MtSnn.Native.CpuCache.Built) return;
        Assert.StartsWith("allocator:   libtorch's CPU blocks of 256 KiB or more from MtSnn's size-class cache, freed blocks kept up to ", alloc);
        Assert.True(MtSnn.Native.CpuCache.IsCurrent, "libc10's CPU allocator is not the cache in the test process");
    }

    [Fact]
    public void Asking_for_cuda_without_cuda_fails_with_a_clear_message()
    {
        if (TorchSharp.torch.cuda.is_available()) return; // this machine has CUDA: the failure path cannot be shown here
        var e = Assert.Throws<MtSnn.Native.NativeRuntimeException>(() => MtSnn.Native.Devices.Resolve("cuda"));
        Assert.Contains("CUDA cannot be initialised", e.Message);
        Assert.Contains("MTSNN_LIBTORCH", e.Message);
        Assert.Throws<ArgumentException>(() => MtSnn.Native.Devices.Resolve("tpu"));
    }
}
