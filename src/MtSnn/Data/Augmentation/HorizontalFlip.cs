namespace MtSnn.Data;

/// <summary>
/// Random horizontal flip: with probability <see cref="Probability"/>, <c>y[c, i, j] = x[c, i, W - 1 - j]</c>; else <c>y = x</c>.
/// One random draw per call.
/// </summary>
public sealed record HorizontalFlip : ImageTransform
{
    /// <summary>Creates the flip; <paramref name="probability"/> in [0, 1], default 0.5.</summary>
    public HorizontalFlip(double probability = 0.5)
    {
        if (!(probability is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(probability), $"flip probability is {probability}; allowed 0..1");
        Probability = probability;
    }

    /// <summary>Probability of flipping.</summary>
    public double Probability { get; }

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> src, ImageShape shape, Span<float> dst, ref SampleRandom rng)
    {
        bool flip = rng.NextDouble() < Probability;
        if (!flip) { src[..shape.Size].CopyTo(dst); return; }
        Flip(src, shape, dst);
    }

    /// <summary>The deterministic flip <c>y[c, i, j] = x[c, i, W - 1 - j]</c>.</summary>
    public static void Flip(ReadOnlySpan<float> src, ImageShape shape, Span<float> dst)
    {
        int w = shape.Width;
        for (int row = 0; row < shape.Channels * shape.Height; row++)
        {
            ReadOnlySpan<float> s = src.Slice(row * w, w);
            Span<float> d = dst.Slice(row * w, w);
            s.CopyTo(d);
            d.Reverse();
        }
    }
}
