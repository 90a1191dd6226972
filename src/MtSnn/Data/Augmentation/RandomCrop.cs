namespace MtSnn.Data;

/// <summary>
/// Random crop with zero padding (the CIFAR recipe): pad every side by P with <see cref="Fill"/>, then cut an H x W
/// window at offset (dy, dx), dy, dx uniform in [0, 2P]:
/// <c>y[c, i, j] = x[c, i + dy - P, j + dx - P]</c> where that index lies inside the image, else Fill.
/// The output shape equals the input shape.
/// </summary>
public sealed record RandomCrop : ImageTransform
{
    /// <summary>Creates the crop; <paramref name="padding"/> P &gt;= 0.</summary>
    public RandomCrop(int padding, float fill = 0f)
    {
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), $"crop padding is {padding}; it must be >= 0");
        if (!float.IsFinite(fill)) throw new ArgumentOutOfRangeException(nameof(fill), $"crop fill is {fill}; it must be finite");
        Padding = padding;
        Fill = fill;
    }

    /// <summary>Padding P on every side.</summary>
    public int Padding { get; }
    /// <summary>Value of padded pixels.</summary>
    public float Fill { get; }

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> src, ImageShape shape, Span<float> dst, ref SampleRandom rng)
    {
        int dy = rng.NextInt(2 * Padding + 1), dx = rng.NextInt(2 * Padding + 1);
        Crop(src, shape, dst, Padding, dy, dx, Fill);
    }

    /// <summary>The deterministic crop at offset (dy, dx) of the image padded by <paramref name="padding"/>.</summary>
    public static void Crop(ReadOnlySpan<float> src, ImageShape shape, Span<float> dst, int padding, int dy, int dx, float fill = 0f)
    {
        int h = shape.Height, w = shape.Width;
        int sy = dy - padding, sx = dx - padding; // source offset: y[i, j] = x[i + sy, j + sx]
        int j0 = Math.Max(0, -sx), j1 = Math.Min(w, w - sx); // columns j with 0 <= j + sx < w
        for (int c = 0; c < shape.Channels; c++)
        {
            for (int i = 0; i < h; i++)
            {
                Span<float> d = dst.Slice((c * h + i) * w, w);
                int y = i + sy;
                if (y < 0 || y >= h || j0 >= j1) { d.Fill(fill); continue; }
                d[..j0].Fill(fill);
                src.Slice((c * h + y) * w + j0 + sx, j1 - j0).CopyTo(d[j0..j1]);
                d[j1..].Fill(fill);
            }
        }
    }
}
