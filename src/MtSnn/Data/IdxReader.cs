using System.Buffers.Binary;
using System.IO.Compression;

namespace MtSnn.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or raw (detected from the first two bytes 1F 8B).
/// Layout: a 4-byte big-endian magic <c>0x0000TTDD</c> (TT = 0x08, unsigned bytes; DD = number of dimensions),
/// DD big-endian int32 sizes, then the product of the sizes in bytes. Images are <c>0x00000803</c> [N, rows, cols],
/// labels <c>0x00000801</c> [N]. Every failure is a <see cref="DatasetException"/> naming the file.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an IDX image file: unsigned bytes, 3 dimensions.</summary>
    public const int ImagesMagic = 0x00000803;
    /// <summary>Magic number of an IDX label file: unsigned bytes, 1 dimension.</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an image file: returns N, rows, cols and the N * rows * cols pixel bytes.</summary>
    public static (int Count, int Rows, int Cols, byte[] Pixels) ReadImages(string path)
    {
        using Stream s = OpenMaybeGzip(path);
        var dims = ReadHeader(s, path, ImagesMagic);
        long perImage = (long)dims[1] * dims[2];   // at most 2^62: no wrap; the count is multiplied only once this is known small
        if (perImage > Array.MaxLength || dims[0] * perImage > Array.MaxLength) throw new DatasetException($"{path}: header says {dims[0]} images of {dims[1]}x{dims[2]}, more than one array can hold");
        byte[] pixels = ReadPayload(s, path, (int)(dims[0] * perImage));
        return (dims[0], dims[1], dims[2], pixels);
    }

    /// <summary>Reads a label file: returns the N label bytes.</summary>
    public static byte[] ReadLabels(string path)
    {
        using Stream s = OpenMaybeGzip(path);
        var dims = ReadHeader(s, path, LabelsMagic);
        if (dims[0] > Array.MaxLength) throw new DatasetException($"{path}: header says {dims[0]} labels, more than one array can hold");
        return ReadPayload(s, path, dims[0]);
    }

    /// <summary>
    /// Reads an image file and its label file into a data set of shape [1, rows, cols]; the counts must agree and
    /// every label must be below <paramref name="numClasses"/>.
    /// </summary>
    public static ByteImageDataset ReadDataset(string name, string imagesPath, string labelsPath, int numClasses, IReadOnlyList<string>? classNames = null)
    {
        var (n, rows, cols, pixels) = ReadImages(imagesPath);
        byte[] labelBytes = ReadLabels(labelsPath);
        if (labelBytes.Length != n)
            throw new DatasetException($"{labelsPath}: holds {labelBytes.Length} labels but {imagesPath} holds {n} images; the counts must match");
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= numClasses)
                throw new DatasetException($"{labelsPath}: label {i} is {labels[i]}; allowed 0..{numClasses - 1}");
        }
        return new ByteImageDataset(name, new ImageShape(1, rows, cols), pixels, labels, numClasses, classNames);
    }

    private static Stream OpenMaybeGzip(string path)
    {
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{path}: cannot open: {e.Message}", e);
        }
        int b0 = fs.ReadByte(), b1 = fs.ReadByte();
        fs.Position = 0;
        if (b0 == 0x1F && b1 == 0x8B) return new BufferedStream(new GZipStream(fs, CompressionMode.Decompress), 1 << 16);
        return fs;
    }

    private static int[] ReadHeader(Stream s, string path, int expectedMagic)
    {
        Span<byte> word = stackalloc byte[4];
        ReadExactly(s, word, path, "the 4-byte magic number");
        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        if (magic != expectedMagic)
        {
            string what = expectedMagic == ImagesMagic ? "an IDX image file" : "an IDX label file";
            throw new DatasetException($"{path}: magic number is 0x{magic:X8}; {what} must start with 0x{expectedMagic:X8}");
        }
        var dims = new int[expectedMagic & 0xFF];
        for (int d = 0; d < dims.Length; d++)
        {
            ReadExactly(s, word, path, $"dimension {d} of the header");
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[d] < (d == 0 ? 0 : 1)) throw new DatasetException($"{path}: dimension {d} in the header is {dims[d]}; it must be positive");
        }
        return dims;
    }

    /// <summary>
    /// Reads the <paramref name="length"/> data bytes the header announces. Memory grows with the bytes actually
    /// present, never with the header's claim: a raw file's remaining length is checked before allocating, and gzip
    /// data (whose length is unknown until read) into a buffer that doubles as bytes arrive.
    /// </summary>
    private static byte[] ReadPayload(Stream s, string path, int length)
    {
        string what = $"the {length} data bytes the header announces";
        if (s.CanSeek && s.Length - s.Position < length)
            throw new DatasetException($"{path}: truncated: holds {s.Length - s.Position} of {what}");
        byte[] data = s.CanSeek ? new byte[length] : ReadGrowing(s, path, length, what);
        if (s.CanSeek) ReadExactly(s, data, path, what);
        Span<byte> probe = stackalloc byte[1];
        int extra = Read(s, probe, path);
        if (extra != 0) throw new DatasetException($"{path}: is longer than its header says ({length} data bytes); the file is not a valid IDX file");
        return data;
    }

    private static byte[] ReadGrowing(Stream s, string path, int length, string what)
    {
        var data = new byte[Math.Min(length, 1 << 20)];   // grows by doubling as bytes arrive
        int got = 0;
        while (got < length)
        {
            if (got == data.Length) Array.Resize(ref data, (int)Math.Min(length, (long)data.Length * 2));
            int n = Read(s, data.AsSpan(got), path);
            if (n == 0) throw new DatasetException($"{path}: truncated: ended after {got} of {what}");
            got += n;
        }
        return data;
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string path, string what)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = Read(s, buffer[got..], path);
            if (n == 0) throw new DatasetException($"{path}: truncated: ended after {got} of {buffer.Length} bytes of {what}");
            got += n;
        }
    }

    private static int Read(Stream s, Span<byte> buffer, string path)
    {
        try { return s.Read(buffer); }
        catch (InvalidDataException e) { throw new DatasetException($"{path}: corrupt or truncated gzip data: {e.Message}", e); }
        catch (IOException e) { throw new DatasetException($"{path}: read failed: {e.Message}", e); }
    }
}
