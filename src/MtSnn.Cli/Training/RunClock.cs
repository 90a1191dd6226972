using System.Diagnostics;
using System.Globalization;

namespace MtSnn.Cli.Training;

/// <summary>
/// The times a progress line shows: elapsed since the run started, the epoch's ETA (its batches so far extrapolated:
/// <c>t_epoch / b * (B - b)</c>) and the run's ETA (the epoch's ETA plus the remaining epochs at the mean length of the
/// finished ones, evaluation included, or of this one's extrapolation before any has finished). The clock is injectable
/// for tests.
/// </summary>
public sealed class RunClock(Func<TimeSpan>? now = null)
{
    private readonly Func<TimeSpan> _now = now ?? StartedStopwatch();
    private TimeSpan _epochStart;
    private readonly List<TimeSpan> _finished = [];
    private int _epochs;

    private static Func<TimeSpan> StartedStopwatch() { var sw = Stopwatch.StartNew(); return () => sw.Elapsed; }

    /// <summary>Marks the start of <paramref name="epoch"/> of <paramref name="epochs"/>.</summary>
    public void EpochStarted(int epoch, int epochs) { _epochs = epochs; _epochStart = _now(); Epoch = epoch; }

    /// <summary>Marks the end of the current epoch (after its evaluation and checkpoint).</summary>
    public void EpochFinished() => _finished.Add(_now() - _epochStart);

    /// <summary>The current epoch (1-based).</summary>
    public int Epoch { get; private set; }

    /// <summary>Time since the clock was made.</summary>
    public TimeSpan Elapsed => _now();

    /// <summary>The epoch's remaining time after <paramref name="batch"/> of <paramref name="batches"/> batches.</summary>
    public TimeSpan EpochEta(int batch, int batches) => batch <= 0 ? TimeSpan.Zero : (_now() - _epochStart) / batch * (batches - batch);

    /// <summary>The run's remaining time after <paramref name="batch"/> of <paramref name="batches"/> batches of the current epoch.</summary>
    public TimeSpan RunEta(int batch, int batches)
    {
        var perEpoch = _finished.Count > 0 ? TimeSpan.FromTicks((long)_finished.Average(t => t.Ticks)) : batch <= 0 ? TimeSpan.Zero : (_now() - _epochStart) / batch * batches;
        return EpochEta(batch, batches) + perEpoch * Math.Max(0, _epochs - Epoch);
    }

    /// <summary>The labelled times: <c>elapsed 1:02 · epoch ETA 0:05 · run ETA 2:40</c>.</summary>
    public string Line(int batch, int batches) => $"elapsed {Format(Elapsed)} · epoch ETA {Format(EpochEta(batch, batches))} · run ETA {Format(RunEta(batch, batches))}";

    /// <summary><c>m:ss</c>, or <c>h:mm:ss</c> from an hour.</summary>
    public static string Format(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalMinutes}:{t.Seconds:00}");
}
