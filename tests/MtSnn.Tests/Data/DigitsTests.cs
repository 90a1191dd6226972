using MtSnn.Data;
using Xunit;

namespace MtSnn.Tests.Data;

public class DigitsTests
{
    // Class counts of the UCI/scikit-learn digits (documented: 1,797 samples, about 180 per class).
    private static readonly int[] ClassCounts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];

    [Fact]
    public void EmbeddedResourceHoldsAll1797RowsWithTheKnownClassCounts()
    {
        var all = DigitsDataset.LoadAll();
        Assert.Equal(1797, all.Count);
        Assert.Equal(new ImageShape(1, 8, 8), all.Shape);
        Assert.Equal(10, all.NumClasses);
        var counts = new int[10];
        for (int i = 0; i < all.Count; i++) counts[all.LabelOf(i)]++;
        Assert.Equal(ClassCounts, counts);
    }

    [Fact]
    public void FirstRowMatchesTheCsvScaledBy16()
    {
        // first row of digits.csv: 0,0,5,13,9,1,0,0, 0,0,13,15,10,15,5,0, ... label 0
        var all = DigitsDataset.LoadAll();
        var px = new float[64];
        all.Get(0, px, out int label);
        Assert.Equal(0, label);
        Assert.Equal(5f / 16, px[2]);
        Assert.Equal(13f / 16, px[3]);
        Assert.Equal(15f / 16, px[8 + 3]);
    }

    [Fact]
    public void SplitIsStratifiedOneInFivePerClassAndCoversEverySample()
    {
        var train = DigitsDataset.Open(DatasetSplit.Train);
        var test = DigitsDataset.Open(DatasetSplit.Test);
        var trainCounts = new int[10];
        var testCounts = new int[10];
        for (int i = 0; i < train.Count; i++) trainCounts[train.LabelOf(i)]++;
        for (int i = 0; i < test.Count; i++) testCounts[test.LabelOf(i)]++;
        for (int c = 0; c < 10; c++)
        {
            Assert.Equal(ClassCounts[c] / 5, testCounts[c]);               // e.g. 178 -> 35
            Assert.Equal(ClassCounts[c] - ClassCounts[c] / 5, trainCounts[c]);
        }
        Assert.Equal(355, test.Count);   // 35+36+35+36+36+36+36+35+34+36
        Assert.Equal(1442, train.Count);
    }

    [Fact]
    public void PixelsLieInZeroToOneAndReachBothEnds()
    {
        var ds = DigitsDataset.Open(DatasetSplit.Train);
        var px = new float[64];
        float min = float.MaxValue, max = float.MinValue;
        for (int i = 0; i < ds.Count; i++)
        {
            ds.Get(i, px, out _);
            foreach (float v in px) { min = Math.Min(min, v); max = Math.Max(max, v); }
        }
        Assert.Equal(0f, min);
        Assert.Equal(1f, max);
    }

    [Fact]
    public void OpenedByNameIsTheSameSplit()
    {
        var ds = DataSets.Open("digits", null, DatasetSplit.Test);
        Assert.Equal(355, ds.Count);
        Assert.Equal("digits/test", ds.Name);
    }
}
