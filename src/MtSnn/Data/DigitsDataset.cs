using System.Globalization;
using System.IO.Compression;

namespace MtSnn.Data;

/// <summary>
/// The 8x8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", CC BY 4.0; the copy scikit-learn ships),
/// embedded in the MtSnn assembly: 1,797 images of shape [1, 8, 8], intensities 0..16 scaled to [0, 1] (x = v / 16), 10 classes.
/// <para>
/// Split (fixed, stratified, no randomness): within each class, the samples are numbered j = 0, 1, 2, ... in file order;
/// sample j goes to the test part when <c>j mod 5 == 4</c>, else to the training part. Each class so gives
/// floor(n_c / 5) test samples (20 % rounded down): 355 test and 1,442 training images in all.
/// </para>
/// </summary>
public static class DigitsDataset
{
    /// <summary>Logical name of the embedded resource.</summary>
    public const string ResourceName = "MtSnn.Data.Resources.digits.csv.gz";
    /// <summary>Number of rows in the file.</summary>
    public const int TotalCount = 1797;
    /// <summary>Every <see cref="TestEvery"/>-th sample of a class (j mod TestEvery == TestEvery - 1) goes to the test part.</summary>
    public const int TestEvery = 5;

    private static readonly Lazy<ByteImageDataset> All = new(Load);

    /// <summary>All 1,797 samples in file order.</summary>
    public static ByteImageDataset LoadAll() => All.Value;

    /// <summary>The training or test part of the fixed stratified split described on the class.</summary>
    public static ByteImageDataset Open(DatasetSplit split)
    {
        var all = All.Value;
        var seen = new int[all.NumClasses];
        var picked = new List<int>();
        for (int i = 0; i < all.Count; i++)
        {
            int j = seen[all.LabelOf(i)]++;
            bool test = j % TestEvery == TestEvery - 1;
            if (test == (split == DatasetSplit.Test)) picked.Add(i);
        }
        return all.Subset(split == DatasetSplit.Train ? "digits/train" : "digits/test", picked);
    }

    private static ByteImageDataset Load()
    {
        using Stream raw = typeof(DigitsDataset).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new DatasetException($"digits: the embedded resource {ResourceName} is missing from {typeof(DigitsDataset).Assembly.GetName().Name}");
        using var reader = new StreamReader(new GZipStream(raw, CompressionMode.Decompress));
        const int Pixels = 64;
        var pixels = new byte[TotalCount * Pixels];
        var labels = new int[TotalCount];
        int row = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (line.Length == 0) continue;
            if (row == TotalCount) throw new DatasetException($"digits: {ResourceName} has more than {TotalCount} rows");
            var fields = line.Split(',');
            if (fields.Length != Pixels + 1)
                throw new DatasetException($"digits: row {row + 1} of {ResourceName} has {fields.Length} fields; expected {Pixels + 1} (64 pixels then the label)");
            for (int k = 0; k < Pixels; k++)
            {
                int v = int.Parse(fields[k], NumberStyles.Integer, CultureInfo.InvariantCulture);
                if (v is < 0 or > 16) throw new DatasetException($"digits: row {row + 1} pixel {k} is {v}; allowed 0..16");
                pixels[row * Pixels + k] = (byte)v;
            }
            labels[row] = int.Parse(fields[Pixels], NumberStyles.Integer, CultureInfo.InvariantCulture);
            row++;
        }
        if (row != TotalCount) throw new DatasetException($"digits: {ResourceName} has {row} rows; expected {TotalCount}");
        return new ByteImageDataset("digits", new ImageShape(1, 8, 8), pixels, labels, 10, maxValue: 16);
    }
}
