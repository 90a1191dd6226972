using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MtSnn.Kernels;
using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Cli.Benchmarks;

/// <summary>
/// Times the fused CPU neuron (forward + backward over all T) against a composed reference in the same process,
/// together with the machine's copy bandwidth, and reports medians (MT-SNN.md §5, kernel table).
/// </summary>
public static class NeuronBenchmark
{
    /// <summary>Runs every case of <paramref name="config"/>.</summary>
    public static BenchmarkResult Run(BenchmarkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Steps < 1 || config.Neurons < 1 || config.Repeats < 1)
            throw new ArgumentException($"steps, neurons and repeats must be >= 1 (got T = {config.Steps}, N = {config.Neurons}, repeats = {config.Repeats})");
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        int vectorBits = CpuNeuronKernel.VectorBits;   // fails here, before any timing, on a bad MTSNN_CPU_VECTOR_BITS
        double copy = CopyGbps(config.CopyMegabytes, Math.Max(5, config.Repeats / 2));
        var cases = config.Cases.Select(c => RunCase(config, c)).ToList();
        return new BenchmarkResult
        {
            Device = Device(),
            CopyGbps = copy,
            CpuVectorBits = vectorBits,
            Cases = cases,
            Notes = "fused_ms: kernel on preallocated buffers, store-H variant (the default), median of forward+backward; fused_recompute_ms: the variant that saves X and recomputes H; copy_gbps and gbps count bytes read + bytes written; cpu_ns_per_neuron_step: process CPU time of the store-H runs (all threads) / neuron-steps; cpu_share: CPU time / (wall time x cores), below 1 when other processes compete",
        };
    }

    private static CaseResult RunCase(BenchmarkConfig cfg, BenchmarkCase c)
    {
        int t = cfg.Steps, n = cfg.Neurons;
        long total = (long)t * n;
        var p = KernelParameters.From(c.Options);
        var rng = new Random(1);
        var x = new float[total]; var gO = new float[total];
        for (long i = 0; i < total; i++) { x[i] = (float)(rng.NextDouble() * 2 - 0.5); gO[i] = (float)(rng.NextDouble() - 0.5); }
        var v0 = new float[n]; var o = new float[total]; var vl = new float[n]; var h = new float[total];
        var gX = new float[total]; var gV0 = new float[n];

        var fwd = Median(cfg, () => CpuNeuronKernel.Forward(x, v0, t, n, p, o, vl));
        var recompute = Median(cfg, () =>
        {
            CpuNeuronKernel.Forward(x, v0, t, n, p, o, vl);
            CpuNeuronKernel.Backward(x, default, v0, gO, default, t, n, p, gX, gV0);
        });
        var cpu = new CpuClock();
        var stored = Times(cfg, () =>
        {
            CpuNeuronKernel.Forward(x, v0, t, n, p, o, vl, h);
            CpuNeuronKernel.Backward(default, h, v0, gO, default, t, n, p, gX, gV0);
        });
        var (cpuMs, wallMs) = cpu.Stop();

        using var scope = NewDisposeScope();
        var xt = tensor(x).reshape(t, n);
        var gOt = tensor(gO).reshape(t, n);
        var v0t = zeros(n);
        bool plif = c.Options.Dynamics == Dynamics.PLIF;
        double autograd = Median(cfg, () =>
        {
            using var s = NewDisposeScope();
            var xg = xt.detach().requires_grad_(true);
            var a = plif ? tensor((float)p.PlifA).requires_grad_(true) : null;
            var r = FusedNeuron.MultiStep(xg, v0t, c.Options, a);
            r.Output.backward([gOt]);
        });
        double? reference = null;
        if (cfg.Reference is { } refNeuron)
        {
            var rc = cfg with { Repeats = cfg.ReferenceRepeats, Warmup = 1 };
            reference = Median(rc, () =>
            {
                using var s = NewDisposeScope();
                var xg = xt.detach().requires_grad_(true);
                var a = plif ? tensor((float)p.PlifA).requires_grad_(true) : null;
                var (output, _) = refNeuron(xg, v0t, c.Options, a, null);
                output.backward([gOt]);
            });
        }
        double fused = MedianOf(stored);
        const double bytes = 24; // forward: X read, O and H written; backward: H and dL/dO read, dL/dX written
        return new CaseResult
        {
            Name = c.Name, Mode = c.Options.Mode.ToString().ToLowerInvariant(), Levels = c.Options.Levels, T = t, N = n,
            FusedMs = fused, ReferenceMs = reference, NsPerNeuronStep = fused * 1e6 / total,
            Speedup = reference / fused, FusedRecomputeMs = recompute, FusedAutogradMs = autograd, FusedForwardMs = fwd,
            BytesPerNeuronStep = bytes, Gbps = bytes * total / (fused * 1e6),
            FusedMsSpread = [stored.Min(), stored.Max()],
            CpuNsPerNeuronStep = cpuMs / (cfg.Repeats + cfg.Warmup) * 1e6 / total,
            CpuShare = cpuMs / (wallMs * Environment.ProcessorCount),
        };
    }

    /// <summary>Process CPU time and wall time between construction and <see cref="Stop"/>.</summary>
    private sealed class CpuClock
    {
        private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        private readonly long _start = Stopwatch.GetTimestamp();

        public (double CpuMs, double WallMs) Stop() =>
            ((Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalMilliseconds, Stopwatch.GetElapsedTime(_start).TotalMilliseconds);
    }

    /// <summary>Median over <see cref="BenchmarkConfig.Repeats"/> timed runs after warm-up, in ms.</summary>
    private static double Median(BenchmarkConfig cfg, Action body) => MedianOf(Times(cfg, body));

    private static double[] Times(BenchmarkConfig cfg, Action body) => [.. RepeatTimer.Host.Measure(cfg.Warmup, cfg.Repeats, body).Milliseconds];

    private static double MedianOf(double[] times) => TimingSamples.MedianOf(times);

    /// <summary>Multithreaded <see cref="Span{T}.CopyTo"/> of a large buffer, (read + written bytes) / median time, GB/s.</summary>
    private static double CopyGbps(int megabytes, int repeats)
    {
        int length = megabytes << 20;
        var src = GC.AllocateUninitializedArray<byte>(length);
        var dst = GC.AllocateUninitializedArray<byte>(length);
        src.AsSpan().Fill(1);
        dst.AsSpan().Fill(0);
        int parts = Environment.ProcessorCount, part = (length + parts - 1) / parts;
        var cfg = new BenchmarkConfig { Repeats = repeats, Warmup = 1 };
        double ms = Median(cfg, () => Parallel.For(0, parts, i =>
        {
            int start = i * part, count = Math.Min(part, length - start);
            src.AsSpan(start, count).CopyTo(dst.AsSpan(start, count));
        }));
        return 2.0 * length / (ms * 1e6);
    }

    private static string Device()
    {
        string model = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) model = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{model}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, Vector256 accelerated: {Vector256.IsHardwareAccelerated}, Vector512 accelerated: {Vector512.IsHardwareAccelerated}";
    }
}
