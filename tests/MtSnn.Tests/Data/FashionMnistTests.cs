using System.Security.Cryptography;
using MtSnn.Data;
using Xunit;

namespace MtSnn.Tests.Data;

/// <summary>The real Fashion-MNIST files (skipped, with the reason, where they are absent).</summary>
public class FashionMnistTests
{
    private static DatasetOptions Local => new() { EnvironmentDir = null, AllowDownload = false };

    [FashionMnistFact]
    public void FilesHaveThePublishedSha256()
    {
        // values from shared/data/README.md
        var expected = new Dictionary<string, string>
        {
            ["t10k-images-idx3-ubyte.gz"] = "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
            ["t10k-labels-idx1-ubyte.gz"] = "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
            ["train-images-idx3-ubyte.gz"] = "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            ["train-labels-idx1-ubyte.gz"] = "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        };
        foreach (var (file, sha) in expected)
        {
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(SharedData.FashionMnistDir!, file)))));
            Assert.Equal(sha, IdxCollection.FashionMnist.Sha256[file]);
        }
    }

    [FashionMnistFact]
    public void TrainAndTestHaveTheDocumentedSizesAndBalancedClasses()
    {
        // Fashion-MNIST: 60,000 train + 10,000 test, 28x28, exactly 6,000 / 1,000 images per class.
        foreach (var (split, n) in new[] { (DatasetSplit.Train, 60_000), (DatasetSplit.Test, 10_000) })
        {
            var ds = DataSets.Open("fashion-mnist", SharedData.FashionMnistDir, split, Local);
            Assert.Equal(n, ds.Count);
            Assert.Equal(new ImageShape(1, 28, 28), ds.Shape);
            var counts = new int[10];
            for (int i = 0; i < ds.Count; i++) counts[ds.LabelOf(i)]++;
            Assert.All(counts, c => Assert.Equal(n / 10, c));
        }
    }

    [FashionMnistFact]
    public void PixelsAreScaledToZeroOne()
    {
        var ds = DataSets.Open("fashion-mnist", SharedData.FashionMnistDir, DatasetSplit.Test, Local);
        var px = new float[784];
        float min = 1, max = 0;
        for (int i = 0; i < 200; i++)
        {
            ds.Get(i, px, out _);
            foreach (float v in px) { min = Math.Min(min, v); max = Math.Max(max, v); }
        }
        Assert.Equal(0f, min);
        Assert.Equal(1f, max); // some of the first 200 images are saturated (byte 255)
    }
}
