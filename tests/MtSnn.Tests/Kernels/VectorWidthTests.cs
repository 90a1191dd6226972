using System.Runtime.Intrinsics;
using MtSnn.Kernels;
using Xunit;

namespace MtSnn.Tests.Kernels;

/// <summary>How the CPU kernel picks its vector width, and chunk lengths of whole vectors.</summary>
public class VectorWidthTests
{
    [Theory]
    [InlineData(null, true, 512)]
    [InlineData(null, false, 256)]
    [InlineData("", true, 512)]
    [InlineData("256", true, 256)]
    [InlineData("256", false, 256)]
    [InlineData(" 512 ", true, 512)]
    public void Width_is_512_with_hardware_support_unless_the_variable_says_256(string? setting, bool has512, int expected) =>
        Assert.Equal(expected, CpuNeuronKernel.ChooseVectorBits(setting, has512));

    [Theory]
    [InlineData("128")]
    [InlineData("1024")]
    [InlineData("avx512")]
    public void An_invalid_variable_is_one_clear_error_naming_the_allowed_values(string setting)
    {
        var e = Assert.Throws<ArgumentException>(() => CpuNeuronKernel.ChooseVectorBits(setting, has512: true));
        Assert.Contains("MTSNN_CPU_VECTOR_BITS", e.Message);
        Assert.Contains("allowed: 256, 512", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Asking_for_512_without_hardware_support_fails_instead_of_falling_back()
    {
        var e = Assert.Throws<NotSupportedException>(() => CpuNeuronKernel.ChooseVectorBits("512", has512: false));
        Assert.Contains("allowed here: 256", e.Message);
    }

    [Fact]
    public void The_process_width_follows_the_hardware_when_the_variable_is_unset()
    {
        string? setting = Environment.GetEnvironmentVariable(CpuNeuronKernel.VectorBitsVariable);
        int expected = string.IsNullOrWhiteSpace(setting) ? (Vector512.IsHardwareAccelerated ? 512 : 256) : int.Parse(setting.Trim());
        Assert.Equal(expected, CpuNeuronKernel.VectorBits);
    }

    [Fact]
    public void The_test_override_applies_to_this_thread_and_is_restored()
    {
        using (CpuNeuronKernel.UseVectorBits(256))
        {
            using (CpuNeuronKernel.UseVectorBits(512)) Run(512);
            Run(256);
        }
        using (CpuNeuronKernel.Observe()) Run(CpuNeuronKernel.VectorBits);
        Assert.Throws<ArgumentException>(() => CpuNeuronKernel.UseVectorBits(128));

        static void Run(int expected)
        {
            CpuNeuronKernel.LastVectorBits = 0;
            var p = KernelParameters.From(new MtSnn.Neurons.NeuronOptions());
            CpuNeuronKernel.Forward(new float[3], new float[3], 1, 3, p, new float[3], new float[3]);
            Assert.Equal(expected, CpuNeuronKernel.LastVectorBits);
        }
    }

    [Theory]
    [InlineData(1, 1, 8)]
    [InlineData(8, 1 << 20, 8)]
    [InlineData(3, 20_005, 16)]
    [InlineData(8, 1 << 20, 16)]
    [InlineData(1000, 100_000, 16)]
    public void Chunks_are_whole_vectors_of_the_width(int steps, int neurons, int lanes)
    {
        int len = CpuNeuronKernel.ChunkLength(steps, neurons, lanes);
        Assert.Equal(0, len % lanes);
        Assert.InRange(len, 64, 16384);
    }
}
