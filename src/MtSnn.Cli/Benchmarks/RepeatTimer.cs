using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Cli.Benchmarks;

/// <summary>The per-run times of one measured body, in milliseconds, with their median and spread.</summary>
public sealed record TimingSamples
{
    /// <summary>Wraps the samples (at least one).</summary>
    /// <exception cref="ArgumentException">No samples.</exception>
    public TimingSamples(IReadOnlyList<double> milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        if (milliseconds.Count == 0) throw new ArgumentException("timing samples need at least one run (got none)");
        Milliseconds = [.. milliseconds];
    }

    /// <summary>Milliseconds per run, in the order they were measured.</summary>
    public IReadOnlyList<double> Milliseconds { get; }
    /// <summary>The median: the middle sample, or the mean of the two middle ones for an even count.</summary>
    public double Median => MedianOf(Milliseconds);
    /// <summary>The fastest run.</summary>
    public double Min => Milliseconds.Min();
    /// <summary>The slowest run.</summary>
    public double Max => Milliseconds.Max();
    /// <summary><c>[min, max]</c>, the form the JSON reports.</summary>
    public double[] Spread => [Min, Max];

    /// <summary>The median of <paramref name="values"/> (the mean of the two middle ones for an even count).</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        if (s.Length == 0) throw new ArgumentException("the median of no values is undefined");
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

/// <summary>
/// The measuring loop every benchmark shares, on any device: warm-up runs, then timed samples, each bracketed as
/// <c>synchronize; start = clock; body x runsPerSample; synchronize; end = clock</c>, one sample =
/// <c>(end - start) / runsPerSample</c>. On the CPU <c>synchronize</c> does nothing; on CUDA it waits for the device
/// (<c>torch.cuda.synchronize</c>), so a sample counts the work the body queued, not only its launch.
/// </summary>
public sealed class RepeatTimer
{
    private readonly Action _synchronize;
    private readonly Func<double> _clockMs;

    /// <summary>A timer with a device barrier and a clock in milliseconds (tests pass fakes).</summary>
    public RepeatTimer(Action synchronize, Func<double> clockMs)
    {
        _synchronize = synchronize ?? throw new ArgumentNullException(nameof(synchronize));
        _clockMs = clockMs ?? throw new ArgumentNullException(nameof(clockMs));
    }

    /// <summary>Host work: no barrier, <see cref="Stopwatch"/> time.</summary>
    public static RepeatTimer Host { get; } = new(() => { }, StopwatchMs);

    /// <summary>Work on <paramref name="device"/>: <see cref="Host"/> for the CPU, <c>torch.cuda.synchronize(device)</c> for CUDA.</summary>
    public static RepeatTimer For(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.type == DeviceType.CUDA ? new(() => torch.cuda.synchronize(device), StopwatchMs) : Host;
    }

    /// <summary>
    /// Runs <paramref name="body"/> <paramref name="warmup"/> times untimed, then <paramref name="repeats"/> timed
    /// samples of <paramref name="runsPerSample"/> back-to-back runs each; returns the per-run times.
    /// </summary>
    /// <exception cref="ArgumentException">warmup &lt; 0, repeats &lt; 1 or runsPerSample &lt; 1.</exception>
    public TimingSamples Measure(int warmup, int repeats, Action body, int runsPerSample = 1)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (warmup < 0 || repeats < 1 || runsPerSample < 1)
            throw new ArgumentException($"warm-up must be >= 0, repeats and runs per sample >= 1 (got {warmup}, {repeats}, {runsPerSample})");
        for (int i = 0; i < warmup; i++) body();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            _synchronize();
            double start = _clockMs();
            for (int r = 0; r < runsPerSample; r++) body();
            _synchronize();
            times[i] = (_clockMs() - start) / runsPerSample;
        }
        return new TimingSamples(times);
    }

    private static readonly long Origin = Stopwatch.GetTimestamp();

    /// <summary>Milliseconds since this type was first used (small values keep double precision well below a microsecond).</summary>
    private static double StopwatchMs() => Stopwatch.GetElapsedTime(Origin).TotalMilliseconds;
}
