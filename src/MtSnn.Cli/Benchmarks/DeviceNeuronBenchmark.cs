using MtSnn.Kernels;
using MtSnn.Neurons;
using static TorchSharp.torch;

namespace MtSnn.Cli.Benchmarks;

/// <summary>
/// The neuron benchmark on tensors of any device (the CUDA run: <see cref="CudaBenchmarkTarget"/>): per case, with
/// <c>X, dL/dO [T, N]</c> on the target, it times (a) the raw fused kernels, forward + backward on preallocated buffers
/// (<c>fused_ms</c>), also back to back with one barrier per batch (<c>fused_pipelined_ms</c>), and the recompute variant
/// where the target has it (<c>fused_recompute_ms</c>, no H written; its own bytes per neuron-step); (b) forward + backward
/// through <see cref="FusedNeuron.MultiStep"/> and autograd (<c>fused_autograd_ms</c>); (c) the raw forward alone;
/// (d) the composed reference forward + backward on the same tensors (<c>reference_ms</c>); and once per run (e) the
/// device's copy bandwidth. Every time is the median of timed samples bracketed by the device barrier
/// (<see cref="RepeatTimer"/>), after warm-up runs (on CUDA they include the NVRTC compile).
/// GB/s = <c>bytes_per_neuron_step T N / fused_ms</c>; ns per neuron-step = <c>fused_ms 10^6 / (T N)</c>.
/// </summary>
public static class DeviceNeuronBenchmark
{
    /// <summary>Runs of the kernels per sample for <c>fused_pipelined_ms</c>.</summary>
    public const int PipelinedRuns = 10;

    /// <summary>Runs every case of <paramref name="config"/> on <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentException">T, N or repeats below 1.</exception>
    public static BenchmarkResult Run(BenchmarkConfig config, BenchmarkTarget target)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(target);
        if (config.Steps < 1 || config.Neurons < 1 || config.Repeats < 1 || config.ReferenceRepeats < 1)
            throw new ArgumentException($"steps, neurons and repeats must be >= 1 (got T = {config.Steps}, N = {config.Neurons}, repeats = {config.Repeats}, reference repeats = {config.ReferenceRepeats})");
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        double copy = CopyGbps(target, config.CopyMegabytes, Math.Max(5, config.Repeats / 2));
        var cases = config.Cases.Select(c => RunCase(config, target, c, copy)).ToList();
        return new BenchmarkResult
        {
            Device = target.Description,
            Dtype = target.DtypeName,
            CopyGbps = copy,
            Cases = cases,
            Notes = $"every time is a median over samples bracketed by a device barrier (torch.cuda.synchronize on CUDA) after warm-up; " +
                $"fused_ms: the raw kernels on preallocated buffers, forward + backward (H kept in float32); " +
                $"fused_recompute_ms: the raw kernels of the recompute variant (forward writes no H, backward re-reads X and recomputes H), " +
                $"recompute_bytes_per_neuron_step its traffic; " +
                $"fused_pipelined_ms: the same as fused_ms, {PipelinedRuns} runs per barrier, per run; fused_autograd_ms: FusedNeuron.MultiStep + backward " +
                $"through autograd (allocation included); fused_forward_ms: the raw forward alone; reference_ms: ReferenceNeuron.MultiStep + backward " +
                $"on the same tensors and dtype ({target.DtypeName}); speedup = reference_ms / fused_ms, speedup_autograd = reference_ms / fused_autograd_ms; " +
                $"gbps and copy_gbps count bytes read + bytes written; copy: a {config.CopyMegabytes} MiB device-to-device copy; " +
                $"copy_floor_ms = bytes_per_neuron_step T N / copy bandwidth",
        };
    }

    private static CaseResult RunCase(BenchmarkConfig cfg, BenchmarkTarget target, BenchmarkCase c, double copyGbps)
    {
        using var scope = NewDisposeScope();
        int t = cfg.Steps, n = cfg.Neurons;
        long total = (long)t * n;
        var device = target.Device;
        var timer = target.Timer;
        var generator = new Generator(1, CPU);
        var x = (rand([t, n], float32, generator: generator) * 2 - 0.5).to(target.Dtype, device).contiguous();
        var gO = (rand([t, n], float32, generator: generator) - 0.5).to(target.Dtype, device).contiguous();
        var v0 = zeros(n, target.Dtype, device);
        var kernels = target.Kernels(c.Options, x, gO);

        var forward = timer.Measure(cfg.Warmup, cfg.Repeats, kernels.Forward);
        var fused = timer.Measure(cfg.Warmup, cfg.Repeats, kernels.ForwardBackward);
        var pipelined = timer.Measure(1, cfg.Repeats, kernels.ForwardBackward, PipelinedRuns);
        var recompute = kernels.RecomputeForwardBackward is { } r ? timer.Measure(cfg.Warmup, cfg.Repeats, r) : null;

        bool plif = c.Options.Dynamics == Dynamics.PLIF;
        float a0 = (float)KernelParameters.From(c.Options).PlifA;
        Tensor? PlifA() => plif ? tensor(a0, float32, device).requires_grad_(true) : null;
        var autograd = timer.Measure(cfg.Warmup, cfg.Repeats, () =>
        {
            using var s = NewDisposeScope();
            FusedNeuron.MultiStep(x.detach().requires_grad_(true), v0, c.Options, PlifA()).Output.backward([gO]);
        });

        TimingSamples? reference = null;
        string? referenceError = null;
        if (cfg.Reference is { } refNeuron)
        {
            // The reference is the slow comparison: if it fails here (e.g. out of memory), the kernel numbers still stand.
            try
            {
                reference = timer.Measure(1, cfg.ReferenceRepeats, () =>
                {
                    using var s = NewDisposeScope();
                    var (output, _) = refNeuron(x.detach().requires_grad_(true), v0, c.Options, PlifA(), null);
                    output.backward([gO]);
                });
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                referenceError = $"{e.GetType().Name}: {e.Message.Split('\n')[0].TrimEnd('\r')}";
            }
        }

        double fusedMs = fused.Median, bytes = kernels.BytesPerNeuronStep;
        return new CaseResult
        {
            Name = c.Name, Mode = c.Options.Mode.ToString().ToLowerInvariant(), Levels = c.Options.Levels, T = t, N = n,
            FusedMs = fusedMs, ReferenceMs = reference?.Median, NsPerNeuronStep = fusedMs * 1e6 / total,
            Speedup = reference?.Median / fusedMs, FusedAutogradMs = autograd.Median, FusedForwardMs = forward.Median,
            BytesPerNeuronStep = bytes, Gbps = bytes * total / (fusedMs * 1e6), FusedMsSpread = fused.Spread,
            FusedPipelinedMs = pipelined.Median, FusedAutogradMsSpread = autograd.Spread, ReferenceMsSpread = reference?.Spread,
            SpeedupAutograd = reference?.Median / autograd.Median, CopyFloorMs = bytes * total / (copyGbps * 1e6),
            FusedRecomputeMs = recompute?.Median, RecomputeBytesPerNeuronStep = recompute is null ? null : kernels.RecomputeBytesPerNeuronStep,
            ReferenceError = referenceError,
        };
    }

    /// <summary>Device-to-device copy of <paramref name="megabytes"/> MiB: (read + written bytes) / median time, GB/s.</summary>
    private static double CopyGbps(BenchmarkTarget target, int megabytes, int repeats)
    {
        if (megabytes < 1) throw new ArgumentException($"the copy needs at least 1 MiB (got {megabytes})");
        using var scope = NewDisposeScope();
        long bytes = (long)megabytes << 20;
        var src = ones(bytes, ScalarType.Byte, target.Device);
        var dst = zeros(bytes, ScalarType.Byte, target.Device);
        var s = target.Timer.Measure(1, repeats, () => dst.copy_(src));
        return 2.0 * bytes / (s.Median * 1e6);
    }
}
