using System.CommandLine;
using System.Globalization;
using MtSnn.IO;
using MtSnn.Kernels.Benchmarking;
using MtSnn.Native;

namespace MtSnn.Cli.Commands;

/// <summary><c>mtsnn bench neuron</c>: fused kernel versus the composed reference, with the machine's copy bandwidth, in one run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks that write JSON for people and scripts to check.");
        var device = new Option<string>("--device") { Description = "cpu | cuda.", DefaultValueFactory = _ => "cpu" };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file." };
        var neurons = new Option<int?>("--neurons", "-N") { Description = "Neurons per step (default 2^20 on CPU, 2^22 on CUDA)." };
        var steps = new Option<int>("--T") { Description = "Time steps.", DefaultValueFactory = _ => 8 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per case (median reported).", DefaultValueFactory = _ => 15 };
        var noReference = new Option<bool>("--no-reference") { Description = "Skip the (slow) composed reference." };
        var neuron = new Command("neuron", "Multi-step neuron forward+backward, T = 8: LIF single, LIF cascade K=4 pow2, LIF parallel K=4 uniform, PLIF cascade K=4.");
        foreach (Option o in new Option[] { device, json, neurons, steps, repeats, noReference }) neuron.Options.Add(o);
        neuron.SetAction(p =>
        {
            var dev = Devices.Resolve(p.GetValue(device)!);
            if (dev.type != TorchSharp.DeviceType.CPU)
                throw new NotSupportedException($"--device {p.GetValue(device)}: there is no CUDA fused neuron kernel yet (only the CPU kernel is implemented)");
            var config = new BenchmarkConfig
            {
                Steps = p.GetValue(steps),
                Neurons = p.GetValue(neurons) ?? 1 << 20,
                Repeats = p.GetValue(repeats),
                Reference = p.GetValue(noReference) ? null : new BenchmarkConfig().Reference,
            };
            if (config.Steps < 1 || config.Neurons < 1 || config.Repeats < 1)
                throw new ArgumentException($"--T, --neurons and --repeats must be >= 1 (got {config.Steps}, {config.Neurons}, {config.Repeats})");
            var result = NeuronBenchmark.Run(config);
            var o = p.InvocationConfiguration.Output;
            o.WriteLine($"device: {result.Device}; copy bandwidth {result.CopyGbps:F1} GB/s (read + write); CPU kernel vectors: {result.CpuVectorBits} bits");
            o.WriteLine("| case | fused ms | ns/neuron-step | GB/s | reference ms | speed-up |");
            o.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (var c in result.Cases)
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Name} | {c.FusedMs:F2} | {c.NsPerNeuronStep:F2} | {c.Gbps:F1} | {(c.ReferenceMs is { } r ? r.ToString("F1", CultureInfo.InvariantCulture) : "-")} | {(c.Speedup is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) + "x" : "-")} |"));
            if (p.GetValue(json) is { } path) AtomicFile.WriteAllText(path, result.ToJson());
            return 0;
        });
        bench.Subcommands.Add(neuron);
        return bench;
    }
}
