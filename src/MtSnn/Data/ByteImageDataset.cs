using System.Numerics;

namespace MtSnn.Data;

/// <summary>
/// An in-memory data set of 8-bit images (MNIST, Fashion-MNIST, CIFAR, digits): N images of <c>Shape.Size</c>
/// bytes in CHW order, one label each. <see cref="Get"/> computes <c>x = byte / MaxValue</c>, so pixels lie in [0, 1].
/// </summary>
public sealed class ByteImageDataset : IImageDataset
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;
    private readonly float _max;

    /// <summary>
    /// Wraps <paramref name="pixels"/> (N * shape.Size bytes, CHW per image) and <paramref name="labels"/> (N values in [0, numClasses));
    /// <paramref name="maxValue"/> is the byte value that maps to 1 (255, or 16 for digits).
    /// </summary>
    public ByteImageDataset(string name, ImageShape shape, byte[] pixels, int[] labels, int numClasses,
        IReadOnlyList<string>? classNames = null, int maxValue = 255)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), $"{name}: numClasses is {numClasses}; it must be >= 1");
        if (maxValue is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(maxValue), $"{name}: maxValue is {maxValue}; allowed 1..255");
        if ((long)labels.Length * shape.Size != pixels.Length)
            throw new ArgumentException($"{name}: {pixels.Length} pixel bytes do not make {labels.Length} images of shape {shape}", nameof(pixels));
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)numClasses)
                throw new DatasetException($"{name}: sample {i} has label {labels[i]}; allowed 0..{numClasses - 1}");
        if (classNames is not null && classNames.Count != numClasses)
            throw new ArgumentException($"{name}: {classNames.Count} class names for {numClasses} classes", nameof(classNames));
        Name = name;
        Shape = shape;
        _pixels = pixels;
        _labels = labels;
        _max = maxValue;
        NumClasses = numClasses;
        ClassNames = classNames ?? [.. Enumerable.Range(0, numClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public int Count => _labels.Length;
    /// <inheritdoc/>
    public ImageShape Shape { get; }
    /// <inheritdoc/>
    public int NumClasses { get; }
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The raw bytes of sample <paramref name="index"/> (CHW).</summary>
    public ReadOnlySpan<byte> RawPixels(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _pixels.AsSpan(index * Shape.Size, Shape.Size);
    }

    /// <inheritdoc/>
    public int LabelOf(int index) => _labels[index];

    /// <inheritdoc/>
    public void Get(int index, Span<float> pixelsChw, out int label)
    {
        if (pixelsChw.Length != Shape.Size)
            throw new ArgumentException($"{Name}: destination holds {pixelsChw.Length} floats; an image of shape {Shape} needs {Shape.Size}", nameof(pixelsChw));
        ReadOnlySpan<byte> src = RawPixels(index);
        Scale(src, pixelsChw, _max);
        label = _labels[index];
    }

    /// <summary>A new data set of the samples at <paramref name="indices"/>, in that order (copies their bytes).</summary>
    public ByteImageDataset Subset(string name, IReadOnlyList<int> indices)
    {
        int size = Shape.Size;
        var pixels = new byte[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            RawPixels(indices[i]).CopyTo(pixels.AsSpan(i * size, size));
            labels[i] = _labels[indices[i]];
        }
        return new ByteImageDataset(name, Shape, pixels, labels, NumClasses, ClassNames, (int)_max);
    }

    /// <summary><c>dst[i] = src[i] / max</c> (correctly rounded, as torchvision's ToTensor), vectorised with a scalar tail.</summary>
    private static void Scale(ReadOnlySpan<byte> src, Span<float> dst, float max)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && src.Length >= Vector<byte>.Count)
        {
            var s = new Vector<float>(max);
            int step = Vector<byte>.Count, q = Vector<float>.Count;
            for (; i <= src.Length - step; i += step)
            {
                Vector.Widen(new Vector<byte>(src[i..]), out Vector<ushort> lo, out Vector<ushort> hi);
                Vector.Widen(lo, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(hi, out Vector<uint> c, out Vector<uint> d);
                (Vector.ConvertToSingle(a) / s).CopyTo(dst[i..]);
                (Vector.ConvertToSingle(b) / s).CopyTo(dst[(i + q)..]);
                (Vector.ConvertToSingle(c) / s).CopyTo(dst[(i + 2 * q)..]);
                (Vector.ConvertToSingle(d) / s).CopyTo(dst[(i + 3 * q)..]);
            }
        }
        for (; i < src.Length; i++) dst[i] = src[i] / max;
    }
}
