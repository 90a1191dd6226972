using System.Collections.Immutable;

namespace MtSnn.Data;

/// <summary>
/// A sequence of <see cref="ImageTransform"/>s applied in order, y = T_n(...T_2(T_1(x))). The output shape of each step
/// is checked against the next when the pipeline is built for an input shape (<see cref="OutputShape"/>).
/// </summary>
public sealed record TransformPipeline
{
    /// <summary>Creates a pipeline of <paramref name="steps"/> (may be empty: identity).</summary>
    public TransformPipeline(params IEnumerable<ImageTransform> steps)
    {
        Steps = [.. steps];
        for (int i = 0; i < Steps.Length; i++)
            if (Steps[i] is null) throw new ArgumentNullException(nameof(steps), $"transform step {i} is null");
    }

    /// <summary>The steps, in order.</summary>
    public ImmutableArray<ImageTransform> Steps { get; }

    /// <summary>Shape of the output for an input of <paramref name="input"/>; throws if some step cannot take its input.</summary>
    public ImageShape OutputShape(ImageShape input)
    {
        foreach (var s in Steps) input = s.OutputShape(input);
        return input;
    }

    /// <summary>Largest intermediate image (elements) for an input of <paramref name="input"/>: the scratch size <see cref="Apply"/> needs.</summary>
    public int ScratchSize(ImageShape input)
    {
        int max = input.Size;
        foreach (var s in Steps) { input = s.OutputShape(input); max = Math.Max(max, input.Size); }
        return max;
    }

    /// <summary>
    /// Transforms <paramref name="image"/> (shape <paramref name="shape"/>) into <paramref name="dst"/> (length OutputShape(shape).Size),
    /// using <paramref name="scratchA"/> and <paramref name="scratchB"/> (each ScratchSize(shape) long) between steps.
    /// </summary>
    public void Apply(ReadOnlySpan<float> image, ImageShape shape, Span<float> dst, Span<float> scratchA, Span<float> scratchB, ref SampleRandom rng)
    {
        if (Steps.IsEmpty) { image[..shape.Size].CopyTo(dst); return; }
        ReadOnlySpan<float> cur = image;
        for (int k = 0; k < Steps.Length; k++)
        {
            ImageShape next = Steps[k].OutputShape(shape);
            Span<float> target = k == Steps.Length - 1 ? dst : (k % 2 == 0 ? scratchA : scratchB)[..next.Size];
            Steps[k].Apply(cur, shape, target, ref rng);
            cur = target;
            shape = next;
        }
    }
}
