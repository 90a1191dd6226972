using MtSnn.Data;
using Xunit;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Data;

public class DownloadTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private DatasetOptions Via(Uri mirror) => new()
    {
        Dir = _dir.Path,
        EnvironmentDir = null,
        SearchSystemDirs = false,
        MirrorOverride = mirror,
        DownloadTimeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public void FileWithTheWrongSha256IsRejectedAndNotKept()
    {
        using var server = new LoopbackServer(new Dictionary<string, byte[]>
        {
            ["t10k-images-idx3-ubyte.gz"] = IdxWriter.Gzip(IdxWriter.Images(1, 1, 1, [7])),
            ["t10k-labels-idx1-ubyte.gz"] = IdxWriter.Gzip(IdxWriter.Labels([3])),
        });
        var e = Assert.Throws<DatasetException>(() => DataSets.Open("fashion-mnist", null, DatasetSplit.Test, Via(server.BaseUrl)));
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains("cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa", e.Message); // the expected value
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void MissingFileOnTheMirrorNamesTheHttpStatus()
    {
        using var server = new LoopbackServer(new Dictionary<string, byte[]>());
        var e = Assert.Throws<DatasetException>(() => DataSets.Open("mnist", null, DatasetSplit.Train, Via(server.BaseUrl)));
        Assert.Contains("HTTP 404", e.Message);
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
    }

    [FashionMnistFact]
    public void RealFilesServedLocallyAreDownloadedVerifiedAndRead()
    {
        string src = SharedData.FashionMnistDir!;
        using var server = new LoopbackServer(new Dictionary<string, byte[]>
        {
            ["t10k-images-idx3-ubyte.gz"] = File.ReadAllBytes(Path.Combine(src, "t10k-images-idx3-ubyte.gz")),
            ["t10k-labels-idx1-ubyte.gz"] = File.ReadAllBytes(Path.Combine(src, "t10k-labels-idx1-ubyte.gz")),
        });
        var ds = DataSets.Open("fashion-mnist", null, DatasetSplit.Test, Via(server.BaseUrl));
        Assert.Equal(10_000, ds.Count);
        Assert.True(File.Exists(_dir.File("t10k-images-idx3-ubyte.gz")));
        Assert.True(File.Exists(_dir.File("t10k-labels-idx1-ubyte.gz")));
    }
}
