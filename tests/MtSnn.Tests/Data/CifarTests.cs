using MtSnn.Data;
using Xunit;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Data;

public class CifarTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static DatasetOptions Local => new() { EnvironmentDir = null, AllowDownload = false };

    /// <summary>One record: label bytes, then 1024 R, 1024 G, 1024 B; pixel p of channel c is (seed + 3p + c) mod 256.</summary>
    private static byte[] Record(byte[] labels, int seed)
    {
        var r = new byte[labels.Length + 3072];
        labels.CopyTo(r, 0);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 1024; p++)
                r[labels.Length + c * 1024 + p] = (byte)((seed + 3 * p + c) % 256);
        return r;
    }

    private void WriteCifar10(string dir)
    {
        Directory.CreateDirectory(dir);
        for (int f = 1; f <= 5; f++)
            File.WriteAllBytes(Path.Combine(dir, $"data_batch_{f}.bin"), [.. Record([(byte)f], 10 * f), .. Record([(byte)(f + 4)], 10 * f + 1)]);
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Record([3], 99));
    }

    [Fact]
    public void Cifar10ReadsAllFiveTrainingBatchesInOrder()
    {
        WriteCifar10(Path.Combine(_dir.Path, "cifar-10-batches-bin"));
        var ds = DataSets.Open("cifar10", _dir.Path, DatasetSplit.Train, Local);
        Assert.Equal(10, ds.Count);
        Assert.Equal(new ImageShape(3, 32, 32), ds.Shape);
        Assert.Equal([1, 5, 2, 6, 3, 7, 4, 8, 5, 9], Enumerable.Range(0, 10).Select(ds.LabelOf));
        var px = new float[3072];
        ds.Get(3, px, out int label); // second record of data_batch_2: seed 21, label 6
        Assert.Equal(6, label);
        // channel 1 (green), row 0, column 1 -> pixel p = 1: (21 + 3 + 1) mod 256 = 25
        Assert.Equal(25 / 255f, px[1024 + 1]);
        // channel 2, row 31, column 31 -> p = 1023: (21 + 3069 + 2) mod 256 = 3092 mod 256 = 20
        Assert.Equal(20 / 255f, px[2048 + 1023]);
        Assert.Equal("cat", ds.ClassNames[3]);
    }

    [Fact]
    public void Cifar10TestSplitAndClassNamesFromMetaFile()
    {
        string dir = _dir.Path;
        WriteCifar10(dir);
        File.WriteAllLines(Path.Combine(dir, "batches.meta.txt"), ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", ""]);
        var ds = DataSets.Open("cifar10", dir, DatasetSplit.Test, Local);
        Assert.Equal(1, ds.Count);
        Assert.Equal(3, ds.LabelOf(0));
        Assert.Equal("d", ds.ClassNames[3]);
    }

    [Fact]
    public void Cifar100PicksFineOrCoarseLabel()
    {
        string dir = Path.Combine(_dir.Path, "cifar-100-binary");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "train.bin"), [.. Record([19, 99], 0), .. Record([4, 42], 5)]);
        var fine = DataSets.Open("cifar100", _dir.Path, DatasetSplit.Train, Local);
        var coarse = DataSets.Open("cifar100", _dir.Path, DatasetSplit.Train, Local with { Cifar100Label = Cifar100Label.Coarse });
        Assert.Equal((100, 99, 42), (fine.NumClasses, fine.LabelOf(0), fine.LabelOf(1)));
        Assert.Equal((20, 19, 4), (coarse.NumClasses, coarse.LabelOf(0), coarse.LabelOf(1)));
        var px = new float[3072];
        fine.Get(1, px, out _);
        Assert.Equal(5 / 255f, px[0]); // seed 5, pixel 0, channel 0
    }

    [Fact]
    public void RecordLengthMismatchIsRejectedNamingTheFile()
    {
        string dir = _dir.Path;
        WriteCifar10(dir);
        string bad = Path.Combine(dir, "data_batch_3.bin");
        File.WriteAllBytes(bad, Record([1], 0)[..3000]);
        var e = Assert.Throws<DatasetException>(() => DataSets.Open("cifar10", dir, DatasetSplit.Train, Local));
        Assert.Contains(bad, e.Message);
        Assert.Contains("3073", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Cifar100FileReadAsCifar10IsRejectedByLength()
    {
        // a 2-label-byte record (3074 bytes) is not a multiple of CIFAR-10's 3073
        string f = _dir.File("x.bin");
        File.WriteAllBytes(f, Record([1, 2], 0));
        var e = Assert.Throws<DatasetException>(() => CifarReader.ReadCifar10("x", [f]));
        Assert.Contains("3074", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 10 }, "class label 10")]
    public void Cifar10LabelOutOfRangeIsRejected(byte[] labels, string phrase)
    {
        string f = _dir.File("test_batch.bin");
        File.WriteAllBytes(f, [.. Record([0], 0), .. Record(labels, 0)]);
        var e = Assert.Throws<DatasetException>(() => CifarReader.ReadCifar10("x", [f]));
        Assert.Contains(f, e.Message);
        Assert.Contains("record 1", e.Message);
        Assert.Contains(phrase, e.Message);
        Assert.Contains("0..9", e.Message);
    }

    [Theory]
    [InlineData(20, 5, "coarse label 20", "0..19")]
    [InlineData(3, 100, "fine label 100", "0..99")]
    public void Cifar100LabelOutOfRangeIsRejected(byte coarse, byte fine, string phrase, string allowed)
    {
        string f = _dir.File("train.bin");
        File.WriteAllBytes(f, Record([coarse, fine], 0));
        // checked whichever label kind is used
        var e = Assert.Throws<DatasetException>(() => CifarReader.ReadCifar100("x", [f], Cifar100Label.Fine));
        Assert.Contains(phrase, e.Message);
        Assert.Contains(allowed, e.Message);
    }

    [Fact]
    public void MissingFolderSaysWhereItLooked()
    {
        var e = Assert.Throws<DatasetException>(() => DataSets.Open("cifar10", _dir.Path, DatasetSplit.Train, Local));
        Assert.Contains("data_batch_1.bin", e.Message);
        Assert.Contains(Path.Combine(_dir.Path, "cifar-10-batches-bin"), e.Message);
        Assert.Contains("--data DIR", e.Message);
    }

    [Fact]
    public void MissingLaterBatchIsNamed()
    {
        WriteCifar10(_dir.Path);
        File.Delete(_dir.File("data_batch_4.bin"));
        var e = Assert.Throws<DatasetException>(() => DataSets.Open("cifar10", _dir.Path, DatasetSplit.Train, Local));
        Assert.Contains("data_batch_4.bin", e.Message);
    }
}
