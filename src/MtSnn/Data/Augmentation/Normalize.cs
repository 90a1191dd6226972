using System.Collections.Immutable;

namespace MtSnn.Data;

/// <summary>
/// Per-channel normalisation <c>y[c, i, j] = (x[c, i, j] - mean_c) / std_c</c>. Deterministic; the number of means
/// and stds must equal the number of channels of the input.
/// </summary>
public sealed record Normalize : ImageTransform
{
    /// <summary>Creates the normalisation; equal lengths, finite means, positive finite stds.</summary>
    public Normalize(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException($"normalise needs one mean and one std per channel; got {mean.Count} means and {std.Count} stds");
        for (int c = 0; c < mean.Count; c++)
        {
            if (!float.IsFinite(mean[c])) throw new ArgumentException($"normalise mean[{c}] is {mean[c]}; it must be finite");
            if (!(std[c] > 0) || !float.IsFinite(std[c])) throw new ArgumentException($"normalise std[{c}] is {std[c]}; it must be positive and finite");
        }
        Mean = [.. mean];
        Std = [.. std];
    }

    /// <summary>mean_c per channel.</summary>
    public ImmutableArray<float> Mean { get; }
    /// <summary>std_c per channel.</summary>
    public ImmutableArray<float> Std { get; }

    /// <summary>MNIST statistics (mean 0.1307, std 0.3081).</summary>
    public static Normalize Mnist { get; } = new([0.1307f], [0.3081f]);
    /// <summary>Fashion-MNIST statistics (mean 0.2860, std 0.3530).</summary>
    public static Normalize FashionMnist { get; } = new([0.2860f], [0.3530f]);
    /// <summary>CIFAR-10 statistics.</summary>
    public static Normalize Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);
    /// <summary>CIFAR-100 statistics.</summary>
    public static Normalize Cifar100 { get; } = new([0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f]);
    /// <summary>ImageNet statistics.</summary>
    public static Normalize ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <inheritdoc/>
    public override ImageShape OutputShape(ImageShape input) => input.Channels == Mean.Length
        ? input
        : throw new ArgumentException($"normalise has {Mean.Length} channel statistics but the image has shape {input}");

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> src, ImageShape shape, Span<float> dst, ref SampleRandom rng)
    {
        OutputShape(shape);
        int plane = shape.PlaneSize;
        for (int c = 0; c < shape.Channels; c++)
        {
            float m = Mean[c], inv = 1f / Std[c];
            ReadOnlySpan<float> s = src.Slice(c * plane, plane);
            Span<float> d = dst.Slice(c * plane, plane);
            for (int p = 0; p < plane; p++) d[p] = (s[p] - m) * inv;
        }
    }
}
