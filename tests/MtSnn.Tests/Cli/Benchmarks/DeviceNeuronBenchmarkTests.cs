using System.Text.Json;
using MtSnn.Cli.Benchmarks;
using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Cli.Benchmarks;

/// <summary>
/// The device benchmark harness run on the CPU with a stand-in for the raw kernels (the CUDA run differs only in its
/// <see cref="BenchmarkTarget"/>): the derived numbers follow the issue's definitions, the JSON has its fields, and
/// a failing reference leaves the kernel numbers standing.
/// </summary>
public class DeviceNeuronBenchmarkTests
{
    private const int T = 3, N = 64;

    public DeviceNeuronBenchmarkTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    /// <summary>Counts calls and checks what the harness hands to the kernels; forward copies X to O (some real work).</summary>
    private sealed class StandInKernels(bool withRecompute = false)
    {
        public int Prepared, Forwards, Backwards, Recomputes;
        public readonly List<string> Problems = [];

        public FusedKernelRun Create(NeuronOptions options, Tensor x, Tensor gradO)
        {
            Prepared++;
            foreach (var (name, t) in new[] { ("x", x), ("dL/dO", gradO) })
                if (!t.shape.SequenceEqual([(long)T, N]) || t.dtype != ScalarType.Float32 || t.device_type != DeviceType.CPU || !t.is_contiguous())
                    Problems.Add($"{name}: [{string.Join(", ", t.shape)}] {t.dtype} {t.device}");
            var o = empty_like(x);
            void Forward() { Forwards++; o.copy_(x); }
            return withRecompute
                ? new FusedKernelRun(Forward, () => { Forward(); Backwards++; }, 24, () => { Forward(); Recomputes++; }, 20)
                : new FusedKernelRun(Forward, () => { Forward(); Backwards++; }, 24);
        }
    }

    private static BenchmarkConfig Tiny => new()
    {
        Steps = T, Neurons = N, Repeats = 3, Warmup = 1, ReferenceRepeats = 1, CopyMegabytes = 1,
    };

    private static BenchmarkTarget CpuTarget(StandInKernels k) => new(CPU, ScalarType.Float32, "test cpu", k.Create, RepeatTimer.Host);

    [Fact]
    public void Derived_numbers_follow_the_definitions_of_the_issue()
    {
        var k = new StandInKernels();
        var r = DeviceNeuronBenchmark.Run(Tiny, CpuTarget(k));
        Assert.Equal("test cpu", r.Device);
        Assert.Equal("float32", r.Dtype);
        Assert.True(r.CopyGbps > 0);
        Assert.Equal(BenchmarkConfig.DefaultCases.Select(c => c.Name), r.Cases.Select(c => c.Name));
        Assert.Equal(["single", "cascade", "parallel", "cascade"], r.Cases.Select(c => c.Mode));
        Assert.Equal([1, 4, 4, 4], r.Cases.Select(c => c.Levels));
        Assert.Empty(k.Problems);
        Assert.Equal(4, k.Prepared);
        Assert.True(k.Backwards > 0 && k.Forwards > k.Backwards);
        foreach (var c in r.Cases)
        {
            Assert.Equal((T, N), (c.T, c.N));
            Assert.True(c.FusedMs > 0 && c.FusedAutogradMs > 0 && c.FusedForwardMs > 0 && c.FusedPipelinedMs > 0, c.Name);
            Assert.True(c.ReferenceMs > 0, c.Name);
            Assert.Null(c.ReferenceError);
            // ns per neuron-step = ms 1e6 / (T N); GB/s = bytes T N / (ms 1e6); speed-up = reference / fused
            Assert.Equal(c.FusedMs * 1e6 / (T * N), c.NsPerNeuronStep, 9);
            Assert.Equal(24.0, c.BytesPerNeuronStep);
            Assert.Equal(24.0 * T * N / (c.FusedMs * 1e6), c.Gbps, 9);
            Assert.Equal(c.ReferenceMs!.Value / c.FusedMs, c.Speedup!.Value, 9);
            Assert.Equal(c.ReferenceMs.Value / c.FusedAutogradMs, c.SpeedupAutograd!.Value, 9);
            // the traffic floor: the same bytes at the copy bandwidth
            Assert.Equal(24.0 * T * N / (r.CopyGbps * 1e6), c.CopyFloorMs!.Value, 9);
            Assert.InRange(c.FusedMs, c.FusedMsSpread[0], c.FusedMsSpread[1]);
            Assert.InRange(c.FusedAutogradMs, c.FusedAutogradMsSpread![0], c.FusedAutogradMsSpread[1]);
            Assert.InRange(c.ReferenceMs.Value, c.ReferenceMsSpread![0], c.ReferenceMsSpread[1]);
        }
    }

    [Fact]
    public void Json_has_the_fields_the_issue_names_and_no_cpu_only_ones()
    {
        var r = DeviceNeuronBenchmark.Run(Tiny with { Cases = [BenchmarkConfig.DefaultCases[3]] }, CpuTarget(new StandInKernels()));
        using var doc = JsonDocument.Parse(r.ToJson());
        var root = doc.RootElement;
        Assert.Equal("test cpu", root.GetProperty("device").GetString());
        Assert.Equal("float32", root.GetProperty("dtype").GetString());
        Assert.True(root.GetProperty("copy_gbps").GetDouble() > 0);
        var c = Assert.Single(root.GetProperty("cases").EnumerateArray().ToList());
        Assert.Equal("plif-cascade-k4", c.GetProperty("name").GetString());
        Assert.Equal("cascade", c.GetProperty("mode").GetString());
        Assert.Equal(4, c.GetProperty("levels").GetInt32());
        Assert.Equal(T, c.GetProperty("T").GetInt32());
        Assert.Equal(N, c.GetProperty("N").GetInt32());
        foreach (var key in new[] { "fused_ms", "reference_ms", "ns_per_neuron_step", "speedup", "gbps", "fused_autograd_ms", "fused_forward_ms", "fused_pipelined_ms", "copy_floor_ms" })
            Assert.True(c.GetProperty(key).GetDouble() > 0, key);
        foreach (var cpuOnly in new[] { "fused_recompute_ms", "recompute_bytes_per_neuron_step", "cpu_ns_per_neuron_step", "cpu_share", "reference_error" })
            Assert.False(c.TryGetProperty(cpuOnly, out _), cpuOnly);
    }

    [Fact]
    public void A_target_with_the_recompute_variant_gets_it_timed_with_its_own_traffic()
    {
        var k = new StandInKernels(withRecompute: true);
        var r = DeviceNeuronBenchmark.Run(Tiny with { Cases = [BenchmarkConfig.DefaultCases[1]], Reference = null }, CpuTarget(k));
        var c = Assert.Single(r.Cases);
        // warm-up + timed runs, each one call of the recompute pair
        Assert.Equal(Tiny.Warmup + Tiny.Repeats, k.Recomputes);
        Assert.True(c.FusedRecomputeMs > 0);
        Assert.Equal(20.0, c.RecomputeBytesPerNeuronStep);
        Assert.Equal(24.0, c.BytesPerNeuronStep);   // fused_ms and gbps stay the store-H variant's
        Assert.Equal(24.0 * T * N / (c.FusedMs * 1e6), c.Gbps, 9);
        using var doc = JsonDocument.Parse(r.ToJson());
        var json = doc.RootElement.GetProperty("cases")[0];
        Assert.Equal(c.FusedRecomputeMs!.Value, json.GetProperty("fused_recompute_ms").GetDouble());
        Assert.Equal(20.0, json.GetProperty("recompute_bytes_per_neuron_step").GetDouble());
    }

    [Fact]
    public void A_failing_reference_is_reported_and_the_kernel_numbers_stand()
    {
        var cfg = Tiny with
        {
            Cases = [BenchmarkConfig.DefaultCases[1]],
            Reference = (_, _, _, _, _) => throw new InvalidOperationException("out of device memory\nsecond line"),
        };
        var c = Assert.Single(DeviceNeuronBenchmark.Run(cfg, CpuTarget(new StandInKernels())).Cases);
        Assert.Null(c.ReferenceMs);
        Assert.Null(c.Speedup);
        Assert.Null(c.SpeedupAutograd);
        Assert.Equal("InvalidOperationException: out of device memory", c.ReferenceError);
        Assert.True(c.FusedMs > 0);
    }

    [Fact]
    public void Without_a_reference_there_is_no_speed_up()
    {
        var c = Assert.Single(DeviceNeuronBenchmark.Run(Tiny with { Cases = [BenchmarkConfig.DefaultCases[0]], Reference = null }, CpuTarget(new StandInKernels())).Cases);
        Assert.Null(c.ReferenceMs);
        Assert.Null(c.Speedup);
        Assert.Null(c.ReferenceError);
    }

    [Theory]
    [InlineData(0, 8, 1)]
    [InlineData(2, 0, 1)]
    [InlineData(2, 8, 0)]
    public void Bad_sizes_are_refused(int steps, int neurons, int repeats)
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceNeuronBenchmark.Run(
            new BenchmarkConfig { Steps = steps, Neurons = neurons, Repeats = repeats }, CpuTarget(new StandInKernels())));
        Assert.Contains("must be >= 1", e.Message);
    }

    [Theory]
    [InlineData(ScalarType.Float32, 24)] // X 4 + O 4 + H 4 (forward), H 4 + dL/dO 4 + dL/dX 4 (backward)
    [InlineData(ScalarType.Float16, 16)] // X 2 + O 2 + H 4, H 4 + dL/dO 2 + dL/dX 2
    [InlineData(ScalarType.BFloat16, 16)]
    public void Cuda_kernel_traffic_per_neuron_step(ScalarType dtype, double bytes) =>
        Assert.Equal(bytes, CudaBenchmarkTarget.BytesPerNeuronStep(dtype));

    [Theory]
    [InlineData(ScalarType.Float32, 20)] // X 4 + O 4 (forward), X 4 + dL/dO 4 + dL/dX 4 (backward), no H
    [InlineData(ScalarType.Float16, 10)] // X 2 + O 2, X 2 + dL/dO 2 + dL/dX 2
    [InlineData(ScalarType.BFloat16, 10)]
    public void Cuda_recompute_traffic_per_neuron_step(ScalarType dtype, double bytes) =>
        Assert.Equal(bytes, CudaBenchmarkTarget.RecomputeBytesPerNeuronStep(dtype));

    [Fact]
    public void Cuda_target_refuses_other_dtypes()
    {
        Assert.Throws<ArgumentException>(() => CudaBenchmarkTarget.BytesPerNeuronStep(ScalarType.Float64));
        Assert.Throws<ArgumentException>(() => CudaBenchmarkTarget.RecomputeBytesPerNeuronStep(ScalarType.Int32));
    }

    [Fact]
    public void Cuda_target_needs_the_cuda_kernel()
    {
        var a = CudaRuntime.Availability;
        if (a.Available)
            Assert.Equal(DeviceType.CUDA, CudaBenchmarkTarget.Create(0, ScalarType.Float32).Device.type);
        else
        {
            var e = Assert.Throws<NotSupportedException>(() => CudaBenchmarkTarget.Create(0, ScalarType.Float32));
            Assert.Contains(a.Reason, e.Message);
            Assert.Contains(a.Reason, CudaRuntime.DescribeDevice(0));
        }
    }

    [Theory]
    [InlineData("float32", ScalarType.Float32)]
    [InlineData(" FP16 ", ScalarType.Float16)]
    [InlineData("bfloat16", ScalarType.BFloat16)]
    public void Dtype_names_parse(string name, ScalarType expected)
    {
        Assert.Equal(expected, BenchmarkTarget.ParseDtype(name));
        Assert.Equal(BenchmarkTarget.ParseDtype(BenchmarkTarget.NameOf(expected)), expected);
    }

    [Fact]
    public void Unknown_dtype_names_list_the_allowed_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => BenchmarkTarget.ParseDtype("int8"));
        Assert.Equal("invalid dtype 'int8' (allowed: float32, float16, bfloat16)", e.Message);
    }
}
