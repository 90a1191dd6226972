using MtSnn.Data;
using Xunit;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Data;

public class IdxReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // 3 images of 2x2: image k has pixels (10k, 10k+1, 10k+2, 255); labels 0, 9, 4.
    private static readonly byte[] Pixels = [0, 1, 2, 255, 10, 11, 12, 255, 20, 21, 22, 255];
    private static readonly byte[] LabelBytes = [0, 9, 4];

    private (string Images, string Labels) Write(bool gzip, byte[]? images = null, byte[]? labels = null)
    {
        images ??= IdxWriter.Images(3, 2, 2, Pixels);
        labels ??= IdxWriter.Labels(LabelBytes);
        string ip = _dir.File(gzip ? "train-images-idx3-ubyte.gz" : "train-images-idx3-ubyte");
        string lp = _dir.File(gzip ? "train-labels-idx1-ubyte.gz" : "train-labels-idx1-ubyte");
        File.WriteAllBytes(ip, gzip ? IdxWriter.Gzip(images) : images);
        File.WriteAllBytes(lp, gzip ? IdxWriter.Gzip(labels) : labels);
        return (ip, lp);
    }

    private static void AssertOneLineNaming(DatasetException e, string path, string phrase)
    {
        Assert.Contains(path, e.Message);
        Assert.Contains(phrase, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesAndLabelsRawOrGzip(bool gzip)
    {
        var (ip, lp) = Write(gzip);
        var ds = IdxReader.ReadDataset("t", ip, lp, 10);
        Assert.Equal(3, ds.Count);
        Assert.Equal(new ImageShape(1, 2, 2), ds.Shape);
        var px = new float[4];
        ds.Get(1, px, out int label);
        Assert.Equal(9, label);
        Assert.Equal([10 / 255f, 11 / 255f, 12 / 255f, 1f], px);
        Assert.Equal(4, ds.LabelOf(2));
    }

    [Fact]
    public void WrongMagicIsRejectedNamingTheFile()
    {
        // a label file where an image file is expected: magic 0x00000801 instead of 0x00000803
        var (ip, lp) = Write(false, images: IdxWriter.Images(3, 2, 2, Pixels, magic: 0x00000801));
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadDataset("t", ip, lp, 10));
        AssertOneLineNaming(e, ip, "0x00000801");
        Assert.Contains("0x00000803", e.Message);
    }

    [Fact]
    public void WrongLabelMagicIsRejected()
    {
        var (ip, lp) = Write(true, labels: IdxWriter.Labels(LabelBytes, magic: 0x00000803));
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadDataset("t", ip, lp, 10));
        AssertOneLineNaming(e, lp, "magic");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedPayloadIsRejected(bool gzip)
    {
        byte[] full = IdxWriter.Images(3, 2, 2, Pixels);
        var (ip, lp) = Write(gzip, images: full[..(full.Length - 5)]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadDataset("t", ip, lp, 10));
        AssertOneLineNaming(e, ip, "truncated");
    }

    /// <summary>
    /// Found by the fuzz campaign (idx-raw case 638, seed 1): three int32 sizes whose product wraps a long went negative,
    /// passed the size check and reached <c>new byte[negative]</c> (an OverflowException, a crash).
    /// </summary>
    [Theory]
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue, false)]
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue, true)]
    [InlineData(2, 1 << 30, 1 << 30, false)]
    [InlineData(1 << 30, 1 << 30, 4, false)]
    [InlineData(65536, 65536, 1, false)]
    public void SizesWhoseProductOverflowsAreRejected(int n, int rows, int cols, bool gzip)
    {
        var (ip, _) = Write(gzip, images: Reliability.Fuzz.FuzzTargets.Idx(IdxReader.ImagesMagic, [n, rows, cols], [1, 2, 3, 4]));
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(ip));
        AssertOneLineNaming(e, ip, "more than one array can hold");
    }

    [Fact]
    public void TruncatedHeaderIsRejected()
    {
        var (ip, lp) = Write(false, images: IdxWriter.Images(3, 2, 2, Pixels)[..10]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(ip));
        AssertOneLineNaming(e, ip, "truncated");
    }

    [Fact]
    public void CutGzipStreamIsRejected()
    {
        var (ip, _) = Write(true);
        byte[] gz = File.ReadAllBytes(ip);
        File.WriteAllBytes(ip, gz[..(gz.Length / 2)]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(ip));
        Assert.Contains(ip, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void CountMismatchBetweenImagesAndLabelsIsRejected()
    {
        var (ip, lp) = Write(false, labels: IdxWriter.Labels([1, 2]));
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadDataset("t", ip, lp, 10));
        AssertOneLineNaming(e, lp, "2 labels");
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public void LabelOutOfRangeIsRejected()
    {
        var (ip, lp) = Write(false, labels: IdxWriter.Labels([1, 10, 2]));
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadDataset("t", ip, lp, 10));
        AssertOneLineNaming(e, lp, "0..9");
    }

    [Fact]
    public void LongerThanTheHeaderSaysIsRejected()
    {
        byte[] full = IdxWriter.Images(3, 2, 2, Pixels);
        var (ip, _) = Write(false, images: [.. full, 7]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(ip));
        AssertOneLineNaming(e, ip, "longer");
    }

    private DatasetOptions Offline(string? dir) => new()
    {
        Dir = dir,
        EnvironmentDir = null,
        SearchSystemDirs = false,
        MirrorOverride = new Uri("http://127.0.0.1:1/"),
        DownloadTimeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public void FactoryFindsTheFilesInTheExplicitFolderOrItsNamedSubfolder()
    {
        string sub = Path.Combine(_dir.Path, "fashion-mnist");
        Directory.CreateDirectory(sub);
        File.WriteAllBytes(Path.Combine(sub, "t10k-images-idx3-ubyte.gz"), IdxWriter.Gzip(IdxWriter.Images(3, 2, 2, Pixels)));
        File.WriteAllBytes(Path.Combine(sub, "t10k-labels-idx1-ubyte"), IdxWriter.Labels(LabelBytes));
        var ds = DataSets.Open("fashion-mnist", _dir.Path, DatasetSplit.Test, Offline(null));
        Assert.Equal(3, ds.Count);
        Assert.Equal("Ankle boot", ds.ClassNames[9]);
        Assert.Equal("fashion-mnist/test", ds.Name);
    }

    [Fact]
    public void EnvironmentRootIsSearchedAsRootSlashName()
    {
        string sub = Path.Combine(_dir.Path, "mnist");
        Directory.CreateDirectory(sub);
        File.WriteAllBytes(Path.Combine(sub, "train-images-idx3-ubyte"), IdxWriter.Images(3, 2, 2, Pixels));
        File.WriteAllBytes(Path.Combine(sub, "train-labels-idx1-ubyte"), IdxWriter.Labels(LabelBytes));
        var ds = DataSets.Open("mnist", null, DatasetSplit.Train, Offline(null) with { EnvironmentDir = _dir.Path });
        Assert.Equal(3, ds.Count);
    }

    [Fact]
    public void UnreachableMirrorGivesOneLineSayingHowToGetTheData()
    {
        var e = Assert.Throws<DatasetException>(() => DataSets.Open("fashion-mnist", _dir.Path, DatasetSplit.Train, Offline(null)));
        Assert.Contains("could not download http://127.0.0.1:1/train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data DIR", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories)); // nothing half-written left
    }

    [Fact]
    public void DownloadsOffGivesOneLineNamingTheSearchedFolders()
    {
        var e = Assert.Throws<DatasetException>(() =>
            DataSets.Open("mnist", _dir.Path, DatasetSplit.Test, Offline(null) with { AllowDownload = false }));
        Assert.Contains(_dir.Path, e.Message);
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains("--data DIR", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void UnknownNameListsTheAllowedOnes()
    {
        var e = Assert.Throws<DatasetException>(() => DataSets.Open("imagenet21k", null, DatasetSplit.Train));
        Assert.Contains("imagenet21k", e.Message);
        foreach (string n in new[] { "digits", "fashion-mnist", "mnist", "cifar10", "cifar100", "imagefolder" })
            Assert.Contains(n, e.Message);
    }
}
