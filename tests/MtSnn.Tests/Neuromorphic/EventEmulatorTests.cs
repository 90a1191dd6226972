using MtSnn.Data.Neuromorphic;
using Xunit;

namespace MtSnn.Tests.Neuromorphic;

public class EventEmulatorTests
{
    /// <summary>A 28x28 image with a bright 12x12 square in the middle.</summary>
    private static float[] Square()
    {
        var img = new float[28 * 28];
        for (int y = 8; y < 20; y++) for (int x = 8; x < 20; x++) img[y * 28 + x] = 1f;
        return img;
    }

    [Fact]
    public void Same_seed_same_events_and_a_different_seed_differs()
    {
        var o = new EmulatorOptions();
        var a = EventEmulator.Emulate(Square(), 28, 28, o, 5);
        var b = EventEmulator.Emulate(Square(), 28, 28, o, 5);
        var c = EventEmulator.Emulate(Square(), 28, 28, o, 6);
        Assert.True(a.Count > 0);
        Assert.Equal(a.X.ToArray(), b.X.ToArray()); Assert.Equal(a.Y.ToArray(), b.Y.ToArray());
        Assert.Equal(a.T.ToArray(), b.T.ToArray()); Assert.Equal(a.P.ToArray(), b.P.ToArray());
        Assert.False(a.Count == c.Count && a.T.SequenceEqual(c.T) && a.X.SequenceEqual(c.X));
    }

    [Fact]
    public void Default_saccades_give_both_polarities_sorted_within_300_ms_on_34x34()
    {
        var e = EventEmulator.Emulate(Square(), 28, 28, new EmulatorOptions(), 1);
        Assert.Equal((34, 34), (e.Width, e.Height));
        Assert.True(e.IsTimeSorted());
        Assert.InRange(e.T[0], 0, 300_000);
        Assert.InRange(e.T[^1], 0, 300_000);
        int on = e.P.ToArray().Count(p => p);
        Assert.True(on > 100 && e.Count - on > 100, $"expected many ON and OFF events (ON {on}, OFF {e.Count - on})");
    }

    [Fact]
    public void A_moving_edge_gives_floor_of_log_contrast_over_threshold_events_per_pixel()
    {
        // Image 2x16: columns 0..7 at a = 0.1, columns 8..15 at b = 0.9; canvas = image (offset 0, scale 1).
        // One sweep moves the image 3 px right, so canvas column x samples image position u = x - s, s: 0 -> 3.
        // Bilinear I(u) = a for u <= 7, b for u >= 8, linear between. Columns 8, 9, 10 go from b to a fully:
        // ΔL = ln((a + ε)/(b + ε)) = ln(0.2 / 1.0) = -1.609, so floor(1.609 / 0.3) = 5 OFF events each, no ON.
        // Columns 3..7 stay at a and 11..15 stay at b: no events. (Columns 0..2 see the black border: not checked.)
        const float a = 0.1f, b = 0.9f;
        var img = new float[2 * 16];
        for (int y = 0; y < 2; y++) for (int x = 0; x < 16; x++) img[y * 16 + x] = x < 8 ? a : b;
        var o = new EmulatorOptions
        {
            CanvasHeight = 2, CanvasWidth = 16, Path = [new(0, 0), new(3, 0)], SweepMilliseconds = 100, StepMilliseconds = 1,
            Threshold = 0.3, ThresholdSigma = 0, LogEpsilon = 0.1, NoiseRateHz = 0, RefractoryMilliseconds = 1,
        };
        int expected = (int)Math.Floor(Math.Abs(Math.Log((a + 0.1) / (b + 0.1))) / 0.3);
        Assert.Equal(5, expected);
        var e = EventEmulator.Emulate(img, 2, 16, o, 0);
        for (int y = 0; y < 2; y++)
        for (int x = 3; x < 16; x++)
        {
            int off = 0, on = 0;
            for (int i = 0; i < e.Count; i++)
                if (e.X[i] == x && e.Y[i] == y) { if (e.P[i]) on++; else off++; }
            Assert.Equal(0, on);
            Assert.Equal(x is >= 8 and <= 10 ? expected : 0, off);
        }
        Assert.True(e.IsTimeSorted());
        Assert.All(e.T.ToArray(), t => Assert.InRange(t, 0, 100_000));
    }

    [Fact]
    public void Brightening_gives_on_events_and_refractory_spaces_them()
    {
        // Same edge moving 3 px left in 100 ms: column 5 samples u = 5 -> 8 and goes from a = 0.1 to b = 0.9 while
        // u crosses 7 -> 8, i.e. in the last third (66.7 ms .. 100 ms). Its 5 ON levels ln(0.2) + 0.3k are crossed at
        // I = 0.2 e^{0.3k} - 0.1, i.e. at fractions (I - 0.1)/0.8 = 0.0875, 0.205, 0.365, 0.58, 0.87 of the 33.3 ms:
        // 2.9, 6.8, 12.2, 19.3, 29.0 ms after 66.7 ms. With a 5 ms refractory period the 2nd waits until 2.9 + 5 = 7.9 ms,
        // the 3rd until 12.9 ms; the 4th and 5th keep their times. So the first gap is exactly 5 ms.
        var img = new float[16];
        for (int x = 0; x < 16; x++) img[x] = x < 8 ? 0.1f : 0.9f;
        var o = new EmulatorOptions
        {
            CanvasHeight = 1, CanvasWidth = 16, Path = [new(0, 0), new(-3, 0)], Threshold = 0.3, ThresholdSigma = 0,
            NoiseRateHz = 0, RefractoryMilliseconds = 5,
        };
        var e = EventEmulator.Emulate(img, 1, 16, o, 0);
        for (int x = 5; x <= 7; x++)
        {
            var index = Enumerable.Range(0, e.Count).Where(i => e.X[i] == x).ToArray();
            Assert.Equal(5, index.Length);
            Assert.All(index, i => Assert.True(e.P[i]));
            for (int k = 1; k < index.Length; k++) Assert.True(e.T[index[k]] - e.T[index[k - 1]] >= 5_000 - 1, "events closer than the refractory period");
        }
        var col5 = Enumerable.Range(0, e.Count).Where(i => e.X[i] == 5).Select(i => e.T[i]).ToArray();
        Assert.InRange(col5[0], 66_667 + 2_900 - 200, 66_667 + 2_900 + 200);
        Assert.InRange(col5[1] - col5[0], 4_999, 5_001);
        Assert.InRange(col5[4], 66_667 + 29_000 - 200, 66_667 + 29_000 + 200);
        Assert.Equal(0, Enumerable.Range(0, e.Count).Count(i => e.X[i] is 4 or 8));
    }

    [Fact]
    public void Noise_alone_has_about_the_poisson_rate()
    {
        // Blank image, no motion contrast: only noise. Expected count = rate * pixels * duration = 50 Hz * 34*34 * 0.3 s = 17340.
        var o = new EmulatorOptions { NoiseRateHz = 50 };
        var e = EventEmulator.Emulate(new float[28 * 28], 28, 28, o, 3);
        double expected = 50 * 34 * 34 * 0.3;
        Assert.InRange(e.Count, expected - 5 * Math.Sqrt(expected), expected + 5 * Math.Sqrt(expected));
        int on = e.P.ToArray().Count(p => p);
        Assert.InRange(on, e.Count / 2 - 5 * Math.Sqrt(e.Count / 4.0), e.Count / 2 + 5 * Math.Sqrt(e.Count / 4.0));
        Assert.True(e.IsTimeSorted());
    }

    [Fact]
    public void Small_digits_are_upscaled_and_centred()
    {
        // 8x8 image with one bright pixel at (3, 3), scale 3, offset (34 - 24)/2 = 5: canvas x sees image u = (x + 0.5 - 5)/3 - 0.5,
        // which weights pixel 3 for 2 < u < 4, i.e. x = 13..17; the path moves the image at most 1.5 px each way.
        var img = new float[64];
        img[3 * 8 + 3] = 1f;
        var e = EventEmulator.Emulate(img, 8, 8, new EmulatorOptions { Scale = 3, NoiseRateHz = 0 }, 0);
        Assert.True(e.Count > 0);
        Assert.All(e.X.ToArray(), x => Assert.InRange(x, 13 - 2, 17 + 2));
        Assert.All(e.Y.ToArray(), y => Assert.InRange(y, 13 - 2, 17 + 2));
    }

    [Fact]
    public void Bad_input_is_rejected()
    {
        Assert.Contains("allowed [0, 1]", Assert.Throws<ArgumentException>(() => EventEmulator.Emulate(new float[] { 1.5f }, 1, 1, new EmulatorOptions(), 0)).Message);
        Assert.Throws<ArgumentException>(() => EventEmulator.Emulate(new float[3], 2, 2, new EmulatorOptions(), 0));
        Assert.Contains("at least 2 points", Assert.Throws<ArgumentException>(() => new EmulatorOptions { Path = [new(0, 0)] }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => new EmulatorOptions { Threshold = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new EmulatorOptions { StepMilliseconds = 200 }.Validate());
    }
}
