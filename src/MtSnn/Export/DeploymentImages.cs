using MtSnn.Data;

namespace MtSnn.Export;

/// <summary>
/// The first images of a data set split, decoded once, exactly as the trainer feeds them to a direct-encoded model:
/// CHW floats in [0, 1], no normalisation (the trainer's test loader applies no transform).
/// </summary>
public sealed class DeploymentImages
{
    private DeploymentImages(string name, ImageShape shape, int numClasses, float[] pixels, int[] labels)
    {
        Name = name;
        Shape = shape;
        NumClasses = numClasses;
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>Data set split name, e.g. <c>digits/test</c>.</summary>
    public string Name { get; }
    /// <summary>Image shape [C, H, W].</summary>
    public ImageShape Shape { get; }
    /// <summary>Classes of the data set.</summary>
    public int NumClasses { get; }
    /// <summary>All images, <c>Count x C H W</c>.</summary>
    public float[] Pixels { get; }
    /// <summary>Label of each image.</summary>
    public int[] Labels { get; }
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;
    /// <summary>Values per image, <c>C H W</c>.</summary>
    public int ImageSize => Shape.Size;

    /// <summary>Image <paramref name="index"/> (CHW).</summary>
    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>Images <c>[start, start + count)</c> back to back.</summary>
    public ReadOnlySpan<float> Images(int start, int count) => Pixels.AsSpan(start * ImageSize, count * ImageSize);

    /// <summary>Images already decoded: <paramref name="pixels"/> holds <c>labels.Length x C H W</c> values.</summary>
    public static DeploymentImages FromPixels(string name, ImageShape shape, int numClasses, float[] pixels, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (pixels.LongLength != (long)labels.Length * shape.Size)
            throw new ArgumentException($"{pixels.LongLength} pixel values for {labels.Length} images of {shape.Size}");
        return new DeploymentImages(name, shape, numClasses, pixels, labels);
    }

    /// <summary>Decodes the first <paramref name="limit"/> images (all when 0) of <paramref name="dataset"/>; event (sequence) data is refused.</summary>
    public static DeploymentImages Load(IImageDataset dataset, int limit = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (limit < 0) throw new ArgumentException($"--limit must be >= 0 (got {limit}; 0 = all)");
        if (dataset is ISequenceDataset)
            throw new NotSupportedException($"{dataset.Name} is event data (frames per step); the deployment engine only runs direct encoding of static images");
        int n = limit == 0 ? dataset.Count : Math.Min(limit, dataset.Count);
        int size = dataset.Shape.Size;
        var pixels = new float[(long)n * size];
        var labels = new int[n];
        Parallel.For(0, n, i => dataset.Get(i, pixels.AsSpan(i * size, size), out labels[i]));
        return new DeploymentImages(dataset.Name, dataset.Shape, dataset.NumClasses, pixels, labels);
    }
}
