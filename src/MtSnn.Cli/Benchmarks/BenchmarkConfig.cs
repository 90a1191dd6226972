using System.Text.Json.Serialization;
using MtSnn.Kernels;
using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Cli.Benchmarks;

/// <summary>A composed (reference) neuron to compare against: <c>(x, v0, options, plifA, vth) -&gt; (O, V_last)</c>, differentiable.</summary>
public delegate (Tensor Output, Tensor VLast) ReferenceImplementation(Tensor x, Tensor v0, NeuronOptions options, Tensor? plifA, Tensor? vth);

/// <summary>One benchmark case: a name and the neuron options.</summary>
public sealed record BenchmarkCase(string Name, NeuronOptions Options);

/// <summary>What <see cref="NeuronBenchmark.Run"/> measures. Defaults are the issue's: T = 8, N = 2^20, 15 timed runs after warm-up.</summary>
public sealed record BenchmarkConfig
{
    /// <summary>Time steps T.</summary>
    public int Steps { get; init; } = 8;
    /// <summary>Neurons N per step.</summary>
    public int Neurons { get; init; } = 1 << 20;
    /// <summary>Timed runs of the fused kernel (median reported).</summary>
    public int Repeats { get; init; } = 15;
    /// <summary>Untimed runs first.</summary>
    public int Warmup { get; init; } = 3;
    /// <summary>Timed runs of the (slow) reference.</summary>
    public int ReferenceRepeats { get; init; } = 5;
    /// <summary>Size of the copy used to measure memory bandwidth.</summary>
    public int CopyMegabytes { get; init; } = 256;
    /// <summary>The composed reference; default <see cref="MtSnn.Neurons.ReferenceNeuron.MultiStep"/> (the oracle module's own path). Null skips it.</summary>
    public ReferenceImplementation? Reference { get; init; } = (x, v, o, a, th) => MtSnn.Neurons.ReferenceNeuron.MultiStep(x, v, o, a, th) is var t ? (t.O, t.VLast) : default;
    /// <summary>The cases; default LIF single, LIF cascade K=4 pow2, LIF parallel K=4 uniform, PLIF cascade K=4.</summary>
    public IReadOnlyList<BenchmarkCase> Cases { get; init; } = DefaultCases;

    /// <summary>The four cases.</summary>
    public static IReadOnlyList<BenchmarkCase> DefaultCases { get; } =
    [
        new("lif-single", new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Single }),
        new("lif-cascade-k4-pow2", new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Cascade, Levels = 4, Preset = ThresholdPreset.Pow2 }),
        new("lif-parallel-k4-uniform", new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Parallel, Levels = 4, Preset = ThresholdPreset.Uniform }),
        new("plif-cascade-k4", new NeuronOptions { Dynamics = Dynamics.PLIF, Mode = FiringMode.Cascade, Levels = 4 }),
    ];
}

/// <summary>The measured numbers of one case (times are medians, forward + backward over all T).</summary>
public sealed record CaseResult
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("mode")] public required string Mode { get; init; }
    [JsonPropertyName("levels")] public required int Levels { get; init; }
    [JsonPropertyName("T")] public required int T { get; init; }
    [JsonPropertyName("N")] public required int N { get; init; }
    /// <summary>Kernel on preallocated buffers, store-H variant (the default of <see cref="FusedNeuron.MultiStep"/>).</summary>
    [JsonPropertyName("fused_ms")] public required double FusedMs { get; init; }
    [JsonPropertyName("reference_ms")] public double? ReferenceMs { get; init; }
    [JsonPropertyName("ns_per_neuron_step")] public required double NsPerNeuronStep { get; init; }
    [JsonPropertyName("speedup")] public double? Speedup { get; init; }
    /// <summary>Kernel, recompute variant: saves X and recomputes H (CPU: per chunk in cache; CUDA: per neuron in registers, T &lt;= 32; else null).</summary>
    [JsonPropertyName("fused_recompute_ms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? FusedRecomputeMs { get; init; }
    /// <summary>Through <see cref="FusedNeuron.MultiStep"/> and TorchSharp autograd (tensor allocation included).</summary>
    [JsonPropertyName("fused_autograd_ms")] public required double FusedAutogradMs { get; init; }
    [JsonPropertyName("fused_forward_ms")] public required double FusedForwardMs { get; init; }
    /// <summary>Logical bytes per neuron-step of the store-H variant (X, O, H, H, dL/dO, dL/dX: 24).</summary>
    [JsonPropertyName("bytes_per_neuron_step")] public required double BytesPerNeuronStep { get; init; }
    [JsonPropertyName("gbps")] public required double Gbps { get; init; }
    /// <summary>Logical bytes per neuron-step of the recompute variant (device benchmark only; CUDA float32: X, O; X, dL/dO, dL/dX = 20).</summary>
    [JsonPropertyName("recompute_bytes_per_neuron_step"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? RecomputeBytesPerNeuronStep { get; init; }
    [JsonPropertyName("fused_ms_spread")] public required double[] FusedMsSpread { get; init; }
    /// <summary>Process CPU time per neuron-step of the fused runs; CPU only (null on CUDA).</summary>
    [JsonPropertyName("cpu_ns_per_neuron_step"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? CpuNsPerNeuronStep { get; init; }
    /// <summary>CPU time / (wall time x cores) of the fused runs; CPU only (null on CUDA).</summary>
    [JsonPropertyName("cpu_share"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? CpuShare { get; init; }
    /// <summary>Kernels forward + backward run back to back, one device barrier per batch of runs, per run (device benchmark only).</summary>
    [JsonPropertyName("fused_pipelined_ms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? FusedPipelinedMs { get; init; }
    /// <summary>Spread [min, max] of <see cref="FusedAutogradMs"/> (device benchmark only).</summary>
    [JsonPropertyName("fused_autograd_ms_spread"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double[]? FusedAutogradMsSpread { get; init; }
    /// <summary>Spread [min, max] of <see cref="ReferenceMs"/> (device benchmark only).</summary>
    [JsonPropertyName("reference_ms_spread"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double[]? ReferenceMsSpread { get; init; }
    /// <summary><c>reference_ms / fused_autograd_ms</c>: both through autograd (device benchmark only).</summary>
    [JsonPropertyName("speedup_autograd"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? SpeedupAutograd { get; init; }
    /// <summary>The traffic floor: <c>bytes_per_neuron_step T N / copy bandwidth</c>, ms (device benchmark only).</summary>
    [JsonPropertyName("copy_floor_ms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? CopyFloorMs { get; init; }
    /// <summary>Why the reference could not be timed (its first line), when it failed; the fused numbers still stand.</summary>
    [JsonPropertyName("reference_error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ReferenceError { get; init; }
}

/// <summary>The whole run, serialised as <c>{"device", "copy_gbps", "cpu_vector_bits", "cases": [...]}</c>.</summary>
public sealed record BenchmarkResult
{
    [JsonPropertyName("device")] public required string Device { get; init; }
    /// <summary>Bytes read + bytes written per second of a large multithreaded copy, GB/s.</summary>
    [JsonPropertyName("copy_gbps")] public required double CopyGbps { get; init; }
    /// <summary>The fused CPU kernel's vector width in bits (<see cref="CpuNeuronKernel.VectorBits"/>); null on other devices.</summary>
    [JsonPropertyName("cpu_vector_bits"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? CpuVectorBits { get; init; }
    [JsonPropertyName("cases")] public required IReadOnlyList<CaseResult> Cases { get; init; }
    [JsonPropertyName("notes")] public string? Notes { get; init; }
    /// <summary>Storage dtype of X, O and their gradients in the fused and reference runs (H is always float32).</summary>
    [JsonPropertyName("dtype")] public string Dtype { get; init; } = "float32";

    /// <summary>Indented JSON.</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
}
