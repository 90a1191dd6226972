namespace MtSnn.Data;

/// <summary>
/// Reads the CIFAR binary format. CIFAR-10: records of 1 label byte (0..9) + 3072 pixel bytes; files
/// <c>data_batch_1.bin</c> .. <c>data_batch_5.bin</c> and <c>test_batch.bin</c> in <c>cifar-10-batches-bin</c>.
/// CIFAR-100: 2 label bytes (coarse 0..19, fine 0..99) + 3072 pixel bytes; <c>train.bin</c> and <c>test.bin</c> in
/// <c>cifar-100-binary</c>. Pixels are 1024 red, 1024 green, 1024 blue, each a 32x32 plane row by row: already CHW.
/// </summary>
public static class CifarReader
{
    /// <summary>Bytes of one image: 3 * 32 * 32.</summary>
    public const int PixelBytes = 3 * 32 * 32;
    /// <summary>The image shape [3, 32, 32].</summary>
    public static ImageShape Shape { get; } = new(3, 32, 32);

    /// <summary>Folder name inside the CIFAR-10 archive.</summary>
    public const string Cifar10Folder = "cifar-10-batches-bin";
    /// <summary>Folder name inside the CIFAR-100 archive.</summary>
    public const string Cifar100Folder = "cifar-100-binary";

    /// <summary>CIFAR-10 class names, index = label.</summary>
    public static IReadOnlyList<string> Cifar10Classes { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The CIFAR-10 files of a split.</summary>
    public static IReadOnlyList<string> Cifar10Files(DatasetSplit split) => split == DatasetSplit.Train
        ? ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"]
        : ["test_batch.bin"];

    /// <summary>The CIFAR-100 file of a split.</summary>
    public static string Cifar100File(DatasetSplit split) => split == DatasetSplit.Train ? "train.bin" : "test.bin";

    /// <summary>Reads CIFAR-10 record files, concatenated in the given order.</summary>
    public static ByteImageDataset ReadCifar10(string name, IReadOnlyList<string> files, IReadOnlyList<string>? classNames = null) =>
        Read(name, files, labelBytes: 1, labelIndex: 0, numClasses: 10, classNames ?? Cifar10Classes);

    /// <summary>Reads CIFAR-100 record files; <paramref name="label"/> picks the coarse (20) or fine (100) label. Both labels are range-checked.</summary>
    public static ByteImageDataset ReadCifar100(string name, IReadOnlyList<string> files, Cifar100Label label, IReadOnlyList<string>? classNames = null) =>
        Read(name, files, labelBytes: 2, labelIndex: label == Cifar100Label.Coarse ? 0 : 1,
            numClasses: label == Cifar100Label.Coarse ? 20 : 100, classNames);

    /// <summary>Class names from a text file of one name per line (CIFAR's <c>batches.meta.txt</c>, <c>fine_label_names.txt</c>), or null if absent or of the wrong length.</summary>
    public static IReadOnlyList<string>? ReadClassNames(string path, int numClasses)
    {
        if (!File.Exists(path)) return null;
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        return names.Length == numClasses ? names : null;
    }

    private static ByteImageDataset Read(string name, IReadOnlyList<string> files, int labelBytes, int labelIndex, int numClasses, IReadOnlyList<string>? classNames)
    {
        int record = labelBytes + PixelBytes;
        int[] limits = labelBytes == 1 ? [10] : [20, 100];
        long total = 0;
        var lengths = new long[files.Count];
        for (int f = 0; f < files.Count; f++)
        {
            if (!File.Exists(files[f])) throw new DatasetException($"{files[f]}: file not found");
            lengths[f] = new FileInfo(files[f]).Length;
            if (lengths[f] == 0 || lengths[f] % record != 0)
                throw new DatasetException($"{files[f]}: length {lengths[f]} bytes is not a positive multiple of the {record}-byte record ({labelBytes} label byte(s) + {PixelBytes} pixels)");
            total += lengths[f] / record;
        }
        if (total * PixelBytes > Array.MaxLength) throw new DatasetException($"{name}: {total} images are more than one array can hold");

        var pixels = new byte[total * PixelBytes];
        var labels = new int[total];
        var buffer = new byte[record];
        int n = 0;
        for (int f = 0; f < files.Count; f++)
        {
            using var fs = new FileStream(files[f], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            for (long r = 0; r < lengths[f] / record; r++, n++)
            {
                fs.ReadExactly(buffer);
                for (int k = 0; k < labelBytes; k++)
                    if (buffer[k] >= limits[k])
                        throw new DatasetException($"{files[f]}: record {r} has {LabelName(labelBytes, k)} label {buffer[k]}; allowed 0..{limits[k] - 1}");
                labels[n] = buffer[labelIndex];
                buffer.AsSpan(labelBytes).CopyTo(pixels.AsSpan(n * PixelBytes, PixelBytes));
            }
        }
        return new ByteImageDataset(name, Shape, pixels, labels, numClasses, classNames);
    }

    private static string LabelName(int labelBytes, int k) => labelBytes == 1 ? "class" : k == 0 ? "coarse" : "fine";
}
