using System.Text.Json;
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
}
