using MtSnn.Data;
using SkiaSharp;
using Xunit;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Data;

public class ImageFolderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes a w x h image whose left half is <paramref name="left"/> and right half <paramref name="right"/>.</summary>
    private static void WriteImage(string path, int w, int h, SKColor left, SKColor right, SKEncodedImageFormat format)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = new SKBitmap(w, h, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                bmp.SetPixel(x, y, x < w / 2 ? left : right);
        using var data = bmp.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static readonly SKColor Red = new(255, 0, 0), Blue = new(0, 0, 255), Grey = new(51, 102, 153);

    private string MakeTree(string root)
    {
        WriteImage(Path.Combine(root, "cat", "a.png"), 4, 4, Red, Red, SKEncodedImageFormat.Png);
        WriteImage(Path.Combine(root, "cat", "b.jpg"), 16, 16, Grey, Grey, SKEncodedImageFormat.Jpeg);
        WriteImage(Path.Combine(root, "dog", "c.PNG"), 12, 4, Red, Blue, SKEncodedImageFormat.Png);
        File.WriteAllText(Path.Combine(root, "dog", "notes.txt"), "ignored: not an image extension");
        return root;
    }

    [Fact]
    public void ClassesAreSortedFoldersAndImagesAreRgbInZeroOne()
    {
        var ds = new ImageFolderDataset(MakeTree(_dir.Path), 4);
        Assert.Equal(["cat", "dog"], ds.ClassNames);
        Assert.Equal(3, ds.Count);
        Assert.Equal([0, 0, 1], Enumerable.Range(0, 3).Select(ds.LabelOf));
        Assert.Equal(new ImageShape(3, 4, 4), ds.Shape);

        var px = new float[48];
        ds.Get(0, px, out int label); // solid red PNG at its own size
        Assert.Equal(0, label);
        Assert.All(px[..16], v => Assert.Equal(1f, v));
        Assert.All(px[16..], v => Assert.Equal(0f, v));

        ds.Get(1, px, out _); // solid grey JPEG (51, 102, 153) = (0.2, 0.4, 0.6), lossy: within 0.03
        Assert.All(px[..16], v => Assert.InRange(v, 0.17f, 0.23f));
        Assert.All(px[16..32], v => Assert.InRange(v, 0.37f, 0.43f));
        Assert.All(px[32..], v => Assert.InRange(v, 0.57f, 0.63f));
    }

    [Fact]
    public void WideImageIsCentreCroppedToASquare()
    {
        // 12x4: columns 0..5 red, 6..11 blue; the centre 4x4 crop is columns 4..7: red, red, blue, blue
        var ds = new ImageFolderDataset(MakeTree(_dir.Path), 4);
        var px = new float[48];
        ds.Get(2, px, out int label);
        Assert.Equal(1, label);
        for (int y = 0; y < 4; y++)
        {
            Assert.Equal(1f, px[y * 4 + 0]);           // R at x = 0 (source column 4)
            Assert.Equal(0f, px[2 * 16 + y * 4 + 0]);  // B at x = 0
            Assert.Equal(0f, px[y * 4 + 3]);           // R at x = 3 (source column 7)
            Assert.Equal(1f, px[2 * 16 + y * 4 + 3]);  // B at x = 3
        }
    }

    [Fact]
    public void UndecodableFileIsNamedInTheError()
    {
        string root = MakeTree(_dir.Path);
        string bad = Path.Combine(root, "dog", "broken.jpg");
        // not an image at all: refused when the folder is opened, before any output exists
        File.WriteAllText(bad, "this is not a JPEG");
        var atOpen = Assert.Throws<DatasetException>(() => new ImageFolderDataset(root, 4));
        Assert.Contains(bad, atOpen.Message);
        Assert.Contains("not a JPEG or PNG image", atOpen.Message);
        Assert.DoesNotContain('\n', atOpen.Message);
        // a JPEG signature over garbage passes the check at open and fails to decode, naming the file
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0xE0, .. "this is not a JPEG"u8.ToArray()]);
        var ds = new ImageFolderDataset(root, 4);
        int index = Enumerable.Range(0, ds.Count).Single(i => ds.FileOf(i) == bad);
        var e = Assert.Throws<DatasetException>(() => ds.Get(index, new float[48], out _));
        Assert.Contains(bad, e.Message);
        Assert.Contains("cannot decode", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TruncatedPngIsRejected()
    {
        string root = MakeTree(_dir.Path);
        string png = Path.Combine(root, "cat", "z.png");
        WriteImage(png, 32, 32, Red, Blue, SKEncodedImageFormat.Png);
        byte[] bytes = File.ReadAllBytes(png);
        File.WriteAllBytes(png, bytes[..(bytes.Length / 2)]);
        var ds = new ImageFolderDataset(root, 4);
        int index = Enumerable.Range(0, ds.Count).Single(i => ds.FileOf(i) == png);
        var e = Assert.Throws<DatasetException>(() => ds.Get(index, new float[48], out _));
        Assert.Contains(png, e.Message);
    }

    [Fact]
    public void FactoryUsesTrainAndValFolders()
    {
        MakeTree(Path.Combine(_dir.Path, "train"));
        WriteImage(Path.Combine(_dir.Path, "val", "cat", "v.png"), 8, 8, Blue, Blue, SKEncodedImageFormat.Png);
        var options = new DatasetOptions { EnvironmentDir = null, ImageSize = 8 };
        var train = DataSets.Open("imagefolder", _dir.Path, DatasetSplit.Train, options);
        var val = DataSets.Open("imagefolder", _dir.Path, DatasetSplit.Test, options);
        Assert.Equal((3, 1), (train.Count, val.Count));
        Assert.Equal(new ImageShape(3, 8, 8), val.Shape);
    }

    [Fact]
    public void EmptyOrMissingFoldersAreClearErrors()
    {
        var e1 = Assert.Throws<DatasetException>(() => new ImageFolderDataset(_dir.Path, 4));
        Assert.Contains("no images found", e1.Message);
        var e2 = Assert.Throws<DatasetException>(() => DataSets.Open("imagefolder", _dir.Path, DatasetSplit.Train, new DatasetOptions { EnvironmentDir = null }));
        Assert.Contains("train/", e2.Message);
    }
}
