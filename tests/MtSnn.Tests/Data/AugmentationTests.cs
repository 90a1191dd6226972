using MtSnn.Data;
using Xunit;

namespace MtSnn.Tests.Data;

public class AugmentationTests
{
    private static float[] Iota(int n) => [.. Enumerable.Range(1, n).Select(i => (float)i)];

    [Fact]
    public void FlipReversesEveryRow()
    {
        var shape = new ImageShape(2, 2, 3);
        var dst = new float[12];
        HorizontalFlip.Flip(Iota(12), shape, dst);
        Assert.Equal([3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10], dst);
    }

    [Fact]
    public void FlipTwiceIsTheIdentityForRandomImages()
    {
        var rand = new Random(1);
        foreach (var shape in new[] { new ImageShape(1, 1, 1), new ImageShape(3, 5, 7), new ImageShape(2, 4, 8) })
        {
            var x = new float[shape.Size];
            for (int i = 0; i < x.Length; i++) x[i] = rand.NextSingle();
            var once = new float[shape.Size];
            var twice = new float[shape.Size];
            var always = new HorizontalFlip(1.0);
            var rng = new SampleRandom(7);
            always.Apply(x, shape, once, ref rng);
            always.Apply(once, shape, twice, ref rng);
            Assert.Equal(x, twice);
            if (shape.Width > 1) Assert.NotEqual(x, once);
        }
    }

    [Fact]
    public void FlipWithProbabilityZeroCopies()
    {
        var x = Iota(6);
        var y = new float[6];
        var rng = new SampleRandom(3);
        new HorizontalFlip(0).Apply(x, new ImageShape(1, 2, 3), y, ref rng);
        Assert.Equal(x, y);
    }

    [Fact]
    public void CropAtOffsetZeroShiftsTheImageDownRightByThePadding()
    {
        // x = [[1,2,3],[4,5,6],[7,8,9]], P = 1, (dy, dx) = (0, 0): y[i,j] = x[i-1, j-1], zero outside
        var y = new float[9];
        RandomCrop.Crop(Iota(9), new ImageShape(1, 3, 3), y, padding: 1, dy: 0, dx: 0);
        Assert.Equal([0, 0, 0, 0, 1, 2, 0, 4, 5], y);
    }

    [Fact]
    public void CropAtOtherOffsetsMatchesHandComputedShifts()
    {
        var shape = new ImageShape(1, 3, 3);
        var y = new float[9];
        // (dy, dx) = (2, 1) with P = 1: y[i,j] = x[i+1, j]
        RandomCrop.Crop(Iota(9), shape, y, 1, 2, 1);
        Assert.Equal([4, 5, 6, 7, 8, 9, 0, 0, 0], y);
        // (dy, dx) = (P, P) is the identity
        RandomCrop.Crop(Iota(9), shape, y, 1, 1, 1);
        Assert.Equal(Iota(9), y);
        // two channels, fill -1, (dy, dx) = (1, 2) with P = 2: y[c,i,j] = x[c, i-1, j]
        var two = new float[18];
        RandomCrop.Crop(Iota(18), new ImageShape(2, 3, 3), two, 2, 1, 2, fill: -1);
        Assert.Equal([-1, -1, -1, 1, 2, 3, 4, 5, 6, -1, -1, -1, 10, 11, 12, 13, 14, 15], two);
        // offset beyond the image: all fill
        RandomCrop.Crop(Iota(9), shape, y, 3, 0, 0);
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void RandomCropKeepsEveryOutputAShiftOfTheInput()
    {
        // property: whatever the random offset, each non-padded output pixel equals an input pixel one fixed shift away
        var shape = new ImageShape(1, 6, 6);
        var x = Iota(36);
        var crop = new RandomCrop(2);
        for (ulong seed = 0; seed < 50; seed++)
        {
            var y = new float[36];
            var rng = new SampleRandom(seed);
            crop.Apply(x, shape, y, ref rng);
            int? shift = null;
            for (int k = 0; k < 36; k++)
            {
                if (y[k] == 0) continue;
                int src = (int)y[k] - 1;
                int d = (src / 6 - k / 6) * 100 + (src % 6 - k % 6);
                shift ??= d;
                Assert.Equal(shift, d);
            }
        }
    }

    [Fact]
    public void NormaliseSubtractsMeanAndDividesByStdPerChannel()
    {
        // channel 0: mean 0.5, std 0.5; channel 1: mean 0.25, std 0.25
        var norm = new Normalize([0.5f, 0.25f], [0.5f, 0.25f]);
        float[] x = [1f, 0.5f, 0f, 0.25f, 1f, 0f];
        var y = new float[6];
        var rng = new SampleRandom(0);
        norm.Apply(x, new ImageShape(2, 1, 3), y, ref rng);
        // (1-0.5)/0.5 = 1, 0, -1; (0.25-0.25)/0.25 = 0, (1-0.25)/0.25 = 3, (0-0.25)/0.25 = -1
        Assert.Equal([1f, 0f, -1f, 0f, 3f, -1f], y);
    }

    [Fact]
    public void NormaliseRejectsBadStatisticsAndChannelCounts()
    {
        Assert.Contains("std[0]", Assert.Throws<ArgumentException>(() => new Normalize([0f], [0f])).Message);
        Assert.Contains("2 means and 1 stds", Assert.Throws<ArgumentException>(() => new Normalize([0f, 0f], [1f])).Message);
        var e = Assert.Throws<ArgumentException>(() => Normalize.Cifar10.OutputShape(new ImageShape(1, 28, 28)));
        Assert.Contains("[1,28,28]", e.Message);
    }

    [Fact]
    public void ResizedCropOfTheWholeImageUpsamplesBilinearly()
    {
        // 2x2 [[0,1],[2,3]] to 4x4, half-pixel centres: source coordinates -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
        // row 0 (y = 0): 0, 0.25, 0.75, 1; row 1 (y = 0.25): add 2 * 0.25 = 0.5
        var y = new float[16];
        RandomResizedCrop.ResizeRegion([0, 1, 2, 3], new ImageShape(1, 2, 2), 0, 0, 2, 2, y, 4, 4);
        Assert.Equal([0f, 0.25f, 0.75f, 1f], y[..4]);
        Assert.Equal([0.5f, 0.75f, 1.25f, 1.5f], y[4..8]);
        Assert.Equal([2f, 2.25f, 2.75f, 3f], y[12..]);
    }

    [Fact]
    public void ResizedCropWithFullScaleAndSquareRatioOnASquareImageIsTheIdentity()
    {
        var t = new RandomResizedCrop(5, 5, scaleMin: 1, scaleMax: 1, ratioMin: 1, ratioMax: 1);
        var x = Iota(75);
        var y = new float[75];
        var rng = new SampleRandom(11);
        t.Apply(x, new ImageShape(3, 5, 5), y, ref rng);
        Assert.Equal(x, y);
    }

    [Fact]
    public void ResizedCropRegionsStayInsideTheImageWithinTheScaleBounds()
    {
        var t = new RandomResizedCrop(8, 8, scaleMin: 0.25, scaleMax: 0.5);
        for (ulong seed = 0; seed < 200; seed++)
        {
            var rng = new SampleRandom(seed);
            var (top, left, h, w) = t.PickRegion(40, 60, ref rng);
            Assert.InRange(top, 0, 40 - h);
            Assert.InRange(left, 0, 60 - w);
            Assert.InRange(h, 1, 40);
            Assert.InRange(w, 1, 60);
            // area within [0.25, 0.5] of 2400 up to rounding of each side (+-0.5 px)
            Assert.InRange(h * w, 0.25 * 2400 - (h + w), 0.5 * 2400 + (h + w));
        }
        Assert.Equal(new ImageShape(3, 8, 8), t.OutputShape(new ImageShape(3, 40, 60)));
    }

    [Fact]
    public void PipelineIsDeterministicGivenTheSeedAndChangesShape()
    {
        var p = new TransformPipeline(new RandomResizedCrop(6, 6), new RandomCrop(1), new HorizontalFlip(), Normalize.ImageNet);
        var shape = new ImageShape(3, 10, 12);
        Assert.Equal(new ImageShape(3, 6, 6), p.OutputShape(shape));
        var x = new float[shape.Size];
        for (int i = 0; i < x.Length; i++) x[i] = (i * 37 % 101) / 100f;
        float[] Run(ulong seed)
        {
            var y = new float[108];
            int s = p.ScratchSize(shape);
            var rng = new SampleRandom(seed);
            p.Apply(x, shape, y, new float[s], new float[s], ref rng);
            return y;
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
    }

    [Fact]
    public void InvalidTransformOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HorizontalFlip(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(8, 8, scaleMin: 0.5, scaleMax: 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(0, 8));
    }
}
