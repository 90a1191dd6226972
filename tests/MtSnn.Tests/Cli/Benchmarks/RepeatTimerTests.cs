using MtSnn.Cli.Benchmarks;
using Xunit;

namespace MtSnn.Tests.Cli.Benchmarks;

/// <summary>The shared measuring loop against a fake clock and a fake device barrier.</summary>
public class RepeatTimerTests
{
    /// <summary>A fake device: the body queues work (ms) that only the barrier lets the clock see, as on a GPU.</summary>
    private sealed class FakeDevice
    {
        public double Now, Pending;
        public readonly List<string> Log = [];
        public RepeatTimer Timer => new(() => { Log.Add("sync"); Now += Pending; Pending = 0; }, () => { Log.Add("clock"); return Now; });
    }

    [Fact]
    public void Samples_are_the_host_times_of_the_timed_runs_only_with_median_and_spread()
    {
        // Host-side durations: 100, 100 are warm-up (never reported); then 5, 1, 3, 9, 7 -> sorted 1 3 5 7 9: median 5.
        var d = new FakeDevice();
        var durations = new Queue<double>([100, 100, 5, 1, 3, 9, 7]);
        var s = d.Timer.Measure(2, 5, () => d.Now += durations.Dequeue());
        Assert.Equal([5.0, 1, 3, 9, 7], s.Milliseconds);
        Assert.Equal(5, s.Median);
        Assert.Equal([1.0, 9], s.Spread);
        Assert.Empty(durations);
    }

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        // sorted 1 2 3 4 -> (2 + 3) / 2
        var d = new FakeDevice();
        var durations = new Queue<double>([4, 1, 3, 2]);
        Assert.Equal(2.5, d.Timer.Measure(0, 4, () => d.Now += durations.Dequeue()).Median);
        Assert.Equal(2.5, TimingSamples.MedianOf([4, 1, 3, 2]));
        Assert.Equal(7, TimingSamples.MedianOf([7]));
    }

    [Fact]
    public void Queued_device_work_is_timed_by_the_closing_barrier_and_warm_up_work_is_flushed_before_the_first_sample()
    {
        // Each run queues 3 ms; warm-up queues 2 x 3 = 6 ms that must not land in the first sample.
        // With 4 runs per sample, a sample is 12 ms / 4 = 3 ms per run.
        var d = new FakeDevice();
        var s = d.Timer.Measure(2, 3, () => d.Pending += 3, runsPerSample: 4);
        Assert.Equal([3.0, 3, 3], s.Milliseconds);
    }

    [Fact]
    public void Each_sample_is_barrier_clock_body_barrier_clock()
    {
        var d = new FakeDevice();
        d.Timer.Measure(1, 2, () => d.Log.Add("body"), runsPerSample: 2);
        Assert.Equal(
            ["body",
             "sync", "clock", "body", "body", "sync", "clock",
             "sync", "clock", "body", "body", "sync", "clock"], d.Log);
    }

    [Theory]
    [InlineData(-1, 1, 1)]
    [InlineData(0, 0, 1)]
    [InlineData(0, 1, 0)]
    public void Bad_counts_are_refused_with_one_line(int warmup, int repeats, int runs)
    {
        var e = Assert.Throws<ArgumentException>(() => RepeatTimer.Host.Measure(warmup, repeats, () => { }, runs));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void No_samples_have_no_median()
    {
        Assert.Throws<ArgumentException>(() => new TimingSamples([]));
        Assert.Throws<ArgumentException>(() => TimingSamples.MedianOf([]));
    }
}
