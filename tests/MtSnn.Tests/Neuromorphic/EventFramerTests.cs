using MtSnn.Data.Neuromorphic;
using Xunit;

namespace MtSnn.Tests.Neuromorphic;

public class EventFramerTests
{
    // Seven events on a 4x4 sensor: (x, y, polarity).
    private static readonly ushort[] X = [0, 1, 0, 3, 3, 2, 0];
    private static readonly ushort[] Y = [0, 0, 0, 3, 3, 1, 0];
    private static readonly bool[] P = [true, false, true, false, false, true, false];
    private const int Off = 0, On = 1;

    private static EventStream Events(long[] t) => new(4, 4, X, Y, t, P);

    private static float[] Expected(int frames, int h, int w, params (int T, int C, int Y, int X, float V)[] cells)
    {
        var e = new EventFrames(frames, h, w);
        foreach (var c in cells) e[c.T, c.C, c.Y, c.X] = c.V;
        return e.Data;
    }

    [Fact]
    public void Split_by_number_gives_n_over_t_events_per_frame_and_the_rest_to_the_last()
    {
        // N = 7, T = 3: d = 7 / 3 = 2 -> frames [0,2), [2,4), [4,7)
        var f = EventFramer.ToFrames(Events([0, 1, 2, 3, 4, 5, 6]), new FrameOptions { Frames = 3 });
        Assert.Equal([3L, 2, 4, 4], f.Shape);
        Assert.Equal(Expected(3, 4, 4,
            (0, On, 0, 0, 1), (0, Off, 0, 1, 1),
            (1, On, 0, 0, 1), (1, Off, 3, 3, 1),
            (2, Off, 3, 3, 1), (2, On, 1, 2, 1), (2, Off, 0, 0, 1)), f.Data);
    }

    [Fact]
    public void Split_by_time_uses_integer_dt_and_gives_the_tail_to_the_last_frame()
    {
        // duration 31, T = 3: dt = 31 / 3 = 10 -> [0,10), [10,20), [20,31]; t = 20 falls in the last frame.
        var f = EventFramer.ToFrames(Events([0, 5, 9, 12, 13, 20, 31]), new FrameOptions { Frames = 3, Split = FrameSplit.Time });
        Assert.Equal(Expected(3, 4, 4,
            (0, On, 0, 0, 2), (0, Off, 0, 1, 1),
            (1, Off, 3, 3, 2),
            (2, On, 1, 2, 1), (2, Off, 0, 0, 1)), f.Data);
    }

    [Fact]
    public void Split_by_time_leaves_an_empty_window_empty()
    {
        var e = new EventStream(4, 4, [0, 1, 2], [0, 0, 0], [0, 1, 30], [true, true, true]);
        var seg = EventFramer.Segments(e.T, 3, FrameSplit.Time);
        Assert.Equal([(0, 2), (2, 2), (2, 3)], seg);
    }

    [Fact]
    public void Split_by_number_with_fewer_events_than_frames_puts_all_in_the_last()
    {
        Assert.Equal([(0, 0), (0, 0), (0, 2)], EventFramer.Segments(new long[] { 5, 6 }, 3, FrameSplit.Number));
        Assert.Equal([(0, 0), (0, 0)], EventFramer.Segments(ReadOnlySpan<long>.Empty, 2, FrameSplit.Time));
    }

    [Fact]
    public void Split_by_time_rejects_unsorted_events()
    {
        var ex = Assert.Throws<ArgumentException>(() => EventFramer.ToFrames(Events([0, 1, 2, 3, 2, 5, 6]), new FrameOptions { Frames = 2, Split = FrameSplit.Time }));
        Assert.Contains("time-sorted", ex.Message);
        // after sorting it works and keeps every event
        var f = EventFramer.ToFrames(Events([0, 1, 2, 3, 2, 5, 6]).SortedByTime(), new FrameOptions { Frames = 2, Split = FrameSplit.Time });
        Assert.Equal(7, f.Sum());
    }

    [Fact]
    public void Downsampling_maps_x_to_x_times_out_over_in()
    {
        // 4 -> 2: x' = x / 2, y' = y / 2
        var f = EventFramer.ToFrames(Events([0, 1, 2, 3, 4, 5, 6]), new FrameOptions { Frames = 1, Height = 2, Width = 2 });
        Assert.Equal(Expected(1, 2, 2, (0, On, 0, 0, 2), (0, On, 0, 1, 1), (0, Off, 0, 0, 2), (0, Off, 1, 1, 2)), f.Data);
        // 4 -> 3: x' = floor(3x/4): 0,1 -> 0; 2 -> 1; 3 -> 2
        var g = EventFramer.ToFrames(Events([0, 1, 2, 3, 4, 5, 6]), new FrameOptions { Frames = 1, Height = 3, Width = 3 });
        Assert.Equal(Expected(1, 3, 3, (0, On, 0, 0, 2), (0, On, 0, 1, 1), (0, Off, 0, 0, 2), (0, Off, 2, 2, 2)), g.Data);
    }

    [Fact]
    public void Normalisation_by_frame_max_and_by_event_count()
    {
        long[] t = [0, 5, 9, 12, 13, 20, 31];
        var max = EventFramer.ToFrames(Events(t), new FrameOptions { Frames = 3, Split = FrameSplit.Time, Normalization = FrameNormalization.FrameMax });
        // frame 0 counts ON(0,0) = 2, OFF(0,1) = 1 -> 1, 0.5; frame 1 OFF(3,3) = 2 -> 1; frame 2 both 1 -> 1
        Assert.Equal(Expected(3, 4, 4, (0, On, 0, 0, 1), (0, Off, 0, 1, 0.5f), (1, Off, 3, 3, 1), (2, On, 1, 2, 1), (2, Off, 0, 0, 1)), max.Data);
        var count = EventFramer.ToFrames(Events(t), new FrameOptions { Frames = 3, Split = FrameSplit.Time, Normalization = FrameNormalization.EventCount });
        // frame 0 has 3 events -> 2/3, 1/3; frame 1 has 2 -> 2/2; frame 2 has 2 -> 1/2 each
        Assert.Equal(Expected(3, 4, 4, (0, On, 0, 0, 2f / 3), (0, Off, 0, 1, 1f / 3), (1, Off, 3, 3, 1), (2, On, 1, 2, 0.5f), (2, Off, 0, 0, 0.5f)), count.Data);
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        Assert.Contains("frames T", Assert.Throws<ArgumentException>(() => new FrameOptions { Frames = 0 }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => new FrameOptions { Width = 0 }.Validate());
        Assert.Contains("downsampling only", Assert.Throws<ArgumentException>(() =>
            EventFramer.ToFrames(Events([0, 1, 2, 3, 4, 5, 6]), new FrameOptions { Width = 8 })).Message);
    }
}
