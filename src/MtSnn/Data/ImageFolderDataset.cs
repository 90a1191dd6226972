using SkiaSharp;

namespace MtSnn.Data;

/// <summary>
/// An ImageNet-style folder: <c>root/CLASS/**/*.jpg|jpeg|png</c>; classes are the sub-folders of root sorted by
/// ordinal name (label = position), files sorted by ordinal path. Each image is decoded with SkiaSharp, converted to
/// RGB (transparent pixels composited on black), its shorter side resized to S and centre-cropped to S x S
/// (bilinear with mipmaps), and delivered as [3, S, S] floats, x = byte / 255. For training at size T, open at a
/// larger S and apply <see cref="RandomResizedCrop"/> to T.
/// </summary>
public sealed class ImageFolderDataset : IImageDataset
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];
    private readonly string[] _files;
    private readonly int[] _labels;

    /// <summary>Scans <paramref name="root"/>; throws <see cref="DatasetException"/> if it is missing or holds no class folder with images.</summary>
    public ImageFolderDataset(string root, int size, string? name = null)
    {
        if (size is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(size), $"image size is {size}; allowed 1..4096");
        if (!Directory.Exists(root)) throw new DatasetException($"{root}: image folder not found");
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        var files = new List<string>();
        var labels = new List<int>();
        for (int c = 0; c < classes.Length; c++)
        {
            foreach (string f in Directory.EnumerateFiles(Path.Combine(root, classes[c]), "*", SearchOption.AllDirectories)
                         .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                         .Order(StringComparer.Ordinal))
            {
                files.Add(CheckSignature(f));   // every file's signature checked at open, before any output
                labels.Add(c);
            }
        }
        if (classes.Length == 0 || files.Count == 0)
            throw new DatasetException($"{root}: no images found; expected root/CLASS_NAME/*.jpg|*.jpeg|*.png with one sub-folder per class");
        Root = root;
        Name = name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
        Shape = new ImageShape(3, size, size);
        ClassNames = classes;
        _files = [.. files];
        _labels = [.. labels];
    }

    /// <summary>The scanned folder.</summary>
    public string Root { get; }
    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public int Count => _files.Length;
    /// <inheritdoc/>
    public ImageShape Shape { get; }
    /// <inheritdoc/>
    public int NumClasses => ClassNames.Count;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Path of sample <paramref name="index"/>.</summary>
    public string FileOf(int index) => _files[index];

    /// <inheritdoc/>
    public int LabelOf(int index) => _labels[index];

    /// <inheritdoc/>
    public void Get(int index, Span<float> pixelsChw, out int label)
    {
        if (pixelsChw.Length != Shape.Size)
            throw new ArgumentException($"{Name}: destination holds {pixelsChw.Length} floats; an image of shape {Shape} needs {Shape.Size}", nameof(pixelsChw));
        Decode(_files[index], Shape.Height, pixelsChw);
        label = _labels[index];
    }

    /// <summary>Decodes <paramref name="path"/>, resizes its shorter side to <paramref name="size"/>, centre-crops, and writes [3, size, size] floats in [0, 1].</summary>
    public static void Decode(string path, int size, Span<float> pixelsChw)
    {
        using SKImage image = DecodeImage(path);
        int side = Math.Min(image.Width, image.Height);
        var src = SKRect.Create((image.Width - side) / 2f, (image.Height - side) / 2f, side, side);
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(image, src, SKRect.Create(0, 0, size, size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        int plane = size * size;
        const float Max = 255f;
        for (int p = 0; p < plane; p++)
        {
            pixelsChw[p] = rgba[4 * p] / Max;
            pixelsChw[plane + p] = rgba[4 * p + 1] / Max;
            pixelsChw[2 * plane + p] = rgba[4 * p + 2] / Max;
        }
    }

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// The file's header, read without decoding: a PNG signature followed by an IHDR chunk of positive width and
    /// height, or a JPEG start-of-image marker (FF D8 FF). Otherwise <see cref="DatasetException"/> naming the file.
    /// </summary>
    public static string CheckSignature(string path)
    {
        Span<byte> head = stackalloc byte[24];
        int n;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DatasetException($"{path}: cannot read image: {e.Message}", e); }
        var h = head[..n];
        if (h.Length >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF) return path;
        if (h.Length >= 8 && h[..8].SequenceEqual(PngSignature))
        {
            if (h.Length < 24 || !h[12..16].SequenceEqual("IHDR"u8))
                throw new DatasetException($"{path}: PNG file without its IHDR header chunk (truncated or damaged)");
            uint w = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(h[16..]), hh = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(h[20..]);
            if (w is 0 or > int.MaxValue || hh is 0 or > int.MaxValue)
                throw new DatasetException($"{path}: PNG header says {w}x{hh} pixels; width and height must be 1..2147483647");
            return path;
        }
        string start = n == 0 ? "is empty" : $"starts with {Convert.ToHexString(h[..Math.Min(n, 8)])}";
        throw new DatasetException($"{path}: not a JPEG or PNG image (the file {start}; a JPEG starts with FFD8FF, a PNG with 89504E470D0A1A0A)");
    }

    private static SKImage DecodeImage(string path)
    {
        SKBitmap? decoded;
        try
        {
            using var codec = SKCodec.Create(path)
                ?? throw new DatasetException($"{path}: cannot decode image (not a readable JPEG or PNG file)");
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
            decoded = new SKBitmap(info);
            SKCodecResult result = codec.GetPixels(info, decoded.GetPixels());
            if (result != SKCodecResult.Success || codec.Info.Width < 1 || codec.Info.Height < 1)
            {
                decoded.Dispose();
                throw new DatasetException($"{path}: cannot decode image ({result})");
            }
        }
        catch (IOException e) { throw new DatasetException($"{path}: cannot read image: {e.Message}", e); }
        using (decoded)
        {
            decoded.SetImmutable();
            return SKImage.FromBitmap(decoded);
        }
    }
}
