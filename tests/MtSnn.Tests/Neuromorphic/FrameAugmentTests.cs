using MtSnn.Data.Neuromorphic;
using Xunit;

namespace MtSnn.Tests.Neuromorphic;

public class FrameAugmentTests
{
    /// <summary>T = 3 frames of 4x5 with distinct values everywhere: v = 1 + index.</summary>
    private static EventFrames Ramp()
    {
        var f = new EventFrames(3, 4, 5);
        for (int i = 0; i < f.Data.Length; i++) f.Data[i] = 1 + i;
        return f;
    }

    [Fact]
    public void Translate_moves_content_and_fills_zeros()
    {
        var f = Ramp();
        var g = FrameTransforms.Translate(f, 1, -2);
        for (int t = 0; t < 3; t++)
        for (int c = 0; c < 2; c++)
        for (int y = 0; y < 4; y++)
        for (int x = 0; x < 5; x++)
        {
            int sy = y - 1, sx = x + 2;
            float want = sy is >= 0 and < 4 && sx is >= 0 and < 5 ? f[t, c, sy, sx] : 0;
            Assert.Equal(want, g[t, c, y, x]);
        }
        Assert.Equal(0, FrameTransforms.Translate(f, 0, 5).Sum());
        Assert.Equal(f.Data, FrameTransforms.Translate(f, 0, 0).Data);
    }

    [Fact]
    public void Roll_wraps_like_torch_roll_and_is_undone_by_the_opposite_roll()
    {
        var f = Ramp();
        var g = FrameTransforms.Roll(f, 1, -2);
        // torch.roll: out[y, x] = in[(y - 1) mod 4, (x + 2) mod 5]; e.g. out[0, 4] = in[3, 1]
        Assert.Equal(f[2, 1, 3, 1], g[2, 1, 0, 4]);
        Assert.Equal(f[0, 0, 0, 2], g[0, 0, 1, 0]);
        Assert.Equal(f.Sum(), g.Sum());
        Assert.Equal(f.Data, FrameTransforms.Roll(g, -1, 2).Data);
        Assert.Equal(f.Data, FrameTransforms.Roll(f, 4, 10).Data); // full periods
        Assert.Equal(FrameTransforms.Roll(f, 1, 3).Data, FrameTransforms.Roll(f, -3, -2).Data);
    }

    [Fact]
    public void Flip_mirrors_columns_and_twice_is_identity()
    {
        var f = Ramp();
        var g = FrameTransforms.FlipHorizontal(f);
        Assert.Equal(f[1, 0, 2, 0], g[1, 0, 2, 4]);
        Assert.Equal(f[1, 1, 3, 1], g[1, 1, 3, 3]);
        Assert.Equal(f[0, 0, 0, 2], g[0, 0, 0, 2]);
        Assert.Equal(f.Data, FrameTransforms.FlipHorizontal(g).Data);
    }

    [Fact]
    public void Augmenter_is_seeded_and_moves_all_frames_alike()
    {
        var f = new EventFrames(4, 9, 9);
        for (int t = 0; t < 4; t++) f[t, 1, 4, 4] = 1; // one ON count in the centre of every frame
        var o = new AugmentOptions { MaxTranslate = 2, MaxRoll = 1, FlipProbability = 0.5 };
        var a = new FrameAugmenter(o, 42);
        var b = new FrameAugmenter(o, 42);
        var outputs = new List<float[]>();
        for (int k = 0; k < 20; k++)
        {
            var ga = a.Apply(f);
            Assert.Equal(ga.Data, b.Apply(f).Data);
            // every frame got the same shift, and the point moved at most 2 + 1 pixels each way
            for (int t = 1; t < 4; t++) Assert.Equal(ga.Frame(0).ToArray(), ga.Frame(t).ToArray());
            int at = Array.IndexOf(ga.Data, 1f);
            Assert.True(at >= 0 && at < 2 * 81, "the point left the frame or changed channel");
            int y = at % 81 / 9, x = at % 9;
            Assert.InRange(y, 4 - 3, 4 + 3);
            Assert.InRange(x, 4 - 3, 4 + 3);
            outputs.Add(ga.Data);
        }
        Assert.True(outputs.Select(d => Array.IndexOf(d, 1f)).Distinct().Count() > 3, "20 draws should land in several places");
        var c = new FrameAugmenter(o, 43);
        Assert.False(Enumerable.Range(0, 20).Select(k => c.Apply(f).Data).Zip(outputs).All(p => p.First.SequenceEqual(p.Second)));
        Assert.Equal(0, f.Data.Count(v => v != 0) - 4); // input unchanged
    }

    [Fact]
    public void Default_augmenter_is_identity_and_bad_options_are_rejected()
    {
        var f = Ramp();
        Assert.Equal(f.Data, new FrameAugmenter(new AugmentOptions(), 1).Apply(f).Data);
        Assert.Throws<ArgumentException>(() => new AugmentOptions { MaxRoll = -1 }.Validate());
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentException>(() => new AugmentOptions { FlipProbability = 1.5 }.Validate()).Message);
    }
}
