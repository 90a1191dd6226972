namespace MtSnn.Data;

/// <summary>
/// A labelled image classification data set of fixed-shape images. Images are delivered as float32 CHW with
/// pixel values scaled to [0, 1] (x = byte / 255, or / 16 for digits); labels are 0 .. NumClasses - 1.
/// Implementations are safe to call from several threads at once (the <see cref="DataLoader"/> does).
/// </summary>
public interface IImageDataset
{
    /// <summary>Short name, e.g. <c>fashion-mnist/train</c>.</summary>
    string Name { get; }
    /// <summary>Number of samples N.</summary>
    int Count { get; }
    /// <summary>Shape [C, H, W] of every image.</summary>
    ImageShape Shape { get; }
    /// <summary>Number of classes; every label is in [0, NumClasses).</summary>
    int NumClasses { get; }
    /// <summary>One name per class, index = label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Label of sample <paramref name="index"/> without decoding its pixels.</summary>
    int LabelOf(int index);

    /// <summary>Writes sample <paramref name="index"/> into <paramref name="pixelsChw"/> (length <c>Shape.Size</c>) as CHW floats in [0, 1] and returns its label.</summary>
    void Get(int index, Span<float> pixelsChw, out int label);
}
