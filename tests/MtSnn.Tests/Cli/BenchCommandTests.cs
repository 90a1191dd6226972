using System.Text.Json;
using MtSnn.Kernels.Cuda;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Cli;

public class BenchCommandTests
{
    [Fact]
    public void Bench_neuron_writes_the_json_the_issue_specifies()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("bench", "neuron", "-N", "1000", "--T", "2", "--repeats", "1", "--json", tmp["b.json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(tmp["b.json"]));
        var root = doc.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("device").GetString()));
        Assert.True(root.GetProperty("copy_gbps").GetDouble() > 0);
        Assert.Equal("float32", root.GetProperty("dtype").GetString());
        Assert.Equal(MtSnn.Kernels.CpuNeuronKernel.VectorBits, root.GetProperty("cpu_vector_bits").GetInt32());
        var cases = root.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(["lif-single", "lif-cascade-k4-pow2", "lif-parallel-k4-uniform", "plif-cascade-k4"], cases.Select(c => c.GetProperty("name").GetString()));
        foreach (var c in cases)
        {
            foreach (var key in new[] { "fused_ms", "reference_ms", "ns_per_neuron_step", "speedup" })
                Assert.True(c.GetProperty(key).GetDouble() > 0, key);
            Assert.Equal(2, c.GetProperty("T").GetInt32());
            Assert.Equal(1000, c.GetProperty("N").GetInt32());
            // ns per neuron-step is the fused time spread over T x N
            Assert.Equal(c.GetProperty("fused_ms").GetDouble() * 1e6 / 2000, c.GetProperty("ns_per_neuron_step").GetDouble(), 6);
        }
        Assert.Equal(4, cases.Select(c => c.GetProperty("mode").GetString()).Count());
    }

    [Fact]
    public void Bench_rejects_bad_sizes()
    {
        var r = CliRunner.Run("bench", "neuron", "-N", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("must be >= 1", Assert.Single(r.ErrorLines));
    }

    [NoCudaFact]
    public void Bench_on_cuda_without_the_cuda_kernel_says_why_in_one_line()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("bench", "neuron", "--device", "cuda", "-N", "64", "--json", tmp["b.json"]);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("mtsnn: error: --device cuda: the CUDA neuron kernel cannot run: ", line);
        Assert.EndsWith(CudaRuntime.Availability.Reason, line);
        Assert.False(File.Exists(tmp["b.json"]));
    }

    [Fact]
    public void Bench_rejects_an_unknown_dtype_naming_the_allowed_ones()
    {
        var r = CliRunner.Run("bench", "neuron", "--dtype", "int8", "-N", "64");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("mtsnn: error: invalid dtype 'int8' (allowed: float32, float16, bfloat16)", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void Bench_on_the_cpu_refuses_half_types()
    {
        var r = CliRunner.Run("bench", "neuron", "--device", "cpu", "--dtype", "float16", "-N", "64");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("the CPU kernel stores float32 only", Assert.Single(r.ErrorLines));
    }
}

/// <summary>A fact for machines where the CUDA kernel cannot run (it tests the refusal); skipped where it can.</summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        if (CudaRuntime.Availability.Available) Skip = "the CUDA kernel is available here; the refusal cannot be seen";
    }
}
