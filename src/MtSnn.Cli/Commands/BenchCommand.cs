using System.CommandLine;
using System.Globalization;
using MtSnn.IO;
using MtSnn.Cli.Benchmarks;
using MtSnn.Kernels.Cuda;
using MtSnn.Native;

namespace MtSnn.Cli.Commands;

/// <summary><c>mtsnn bench neuron</c>: fused kernel versus the composed reference, with the machine's copy bandwidth, in one run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks that write JSON for people and scripts to check.");
        var device = new Option<string>("--device") { Description = "cpu | cuda | cuda:N (CUDA: the fused CUDA kernel; needs the NVIDIA driver, NVRTC and a CUDA libtorch).", DefaultValueFactory = _ => "cpu" };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file." };
        var neurons = new Option<int?>("--neurons", "-N") { Description = "Neurons per step (default 2^20 on CPU, 2^22 on CUDA)." };
        var steps = new Option<int>("--T") { Description = "Time steps.", DefaultValueFactory = _ => 8 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per case (median reported).", DefaultValueFactory = _ => 15 };
        var noReference = new Option<bool>("--no-reference") { Description = "Skip the (slow) composed reference." };
        var dtype = new Option<string>("--dtype") { Description = $"Storage dtype of the fused and reference runs: {BenchmarkTarget.AllowedDtypes} (half types on CUDA only).", DefaultValueFactory = _ => "float32" };
        var neuron = new Command("neuron", "Multi-step neuron forward+backward, T = 8: LIF single, LIF cascade K=4 pow2, LIF parallel K=4 uniform, PLIF cascade K=4.");
        foreach (Option o in new Option[] { device, json, neurons, steps, repeats, noReference, dtype }) neuron.Options.Add(o);
        neuron.SetAction(p =>
        {
            string deviceName = p.GetValue(device)!;
            var storage = BenchmarkTarget.ParseDtype(p.GetValue(dtype)!);
            bool cuda = deviceName.Trim().StartsWith("cuda", StringComparison.OrdinalIgnoreCase);
            // The kernel's own probe first (driver, device, NVRTC): its reason is the most specific one.
            if (cuda && CudaRuntime.Availability is { Available: false } a)
                throw new NotSupportedException($"--device {deviceName}: the CUDA neuron kernel cannot run: {a.Reason}");
            var dev = Devices.Resolve(deviceName);
            if (dev.type == TorchSharp.DeviceType.CPU && storage != TorchSharp.torch.ScalarType.Float32)
                throw new NotSupportedException($"--dtype {p.GetValue(dtype)}: the CPU kernel stores float32 only (allowed on cpu: float32)");
            var config = new BenchmarkConfig
            {
                Steps = p.GetValue(steps),
                Neurons = p.GetValue(neurons) ?? (cuda ? 1 << 22 : 1 << 20),
                Repeats = p.GetValue(repeats),
                Reference = p.GetValue(noReference) ? null : new BenchmarkConfig().Reference,
            };
            if (config.Steps < 1 || config.Neurons < 1 || config.Repeats < 1)
                throw new ArgumentException($"--T, --neurons and --repeats must be >= 1 (got {config.Steps}, {config.Neurons}, {config.Repeats})");
            var result = dev.type == TorchSharp.DeviceType.CPU
                ? NeuronBenchmark.Run(config)
                : DeviceNeuronBenchmark.Run(config with { CopyMegabytes = 1024 }, CudaBenchmarkTarget.Create(Math.Max(0, (int)dev.index), storage));
            Report(result, p.InvocationConfiguration.Output);
            if (p.GetValue(json) is { } path) AtomicFile.WriteAllText(path, result.ToJson());
            return 0;
        });
        bench.Subcommands.Add(neuron);
        return bench;
    }

    /// <summary>The human-readable table of a result (the JSON has every field).</summary>
    private static void Report(BenchmarkResult result, TextWriter o)
    {
        static string Ms(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"device: {result.Device}; dtype {result.Dtype}; copy bandwidth {result.CopyGbps:F1} GB/s (read + write){(result.CpuVectorBits is { } bits ? $"; CPU kernel vectors: {bits} bits" : "")}"));
        o.WriteLine("| case | fused ms | ns/neuron-step | GB/s | recompute-H ms | autograd ms | reference ms | speed-up |");
        o.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in result.Cases)
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Name} | {c.FusedMs:F3} | {c.NsPerNeuronStep:F3} | {c.Gbps:F1} | {Ms(c.FusedRecomputeMs, "F3")} | {c.FusedAutogradMs:F3} | {Ms(c.ReferenceMs, "F2")} | {(c.Speedup is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) + "x" : "-")} |"));
        foreach (var c in result.Cases.Where(c => c.ReferenceError is not null))
            o.WriteLine($"{c.Name}: the reference could not be timed: {c.ReferenceError}");
    }
}
