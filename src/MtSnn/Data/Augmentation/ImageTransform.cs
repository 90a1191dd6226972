namespace MtSnn.Data;

/// <summary>
/// One step of an augmentation pipeline on a float CHW image: maps an input of shape <c>s</c> to an output of shape
/// <see cref="OutputShape"/>(s). Transforms are immutable, validated records; randomness comes only from the
/// <see cref="SampleRandom"/> passed in, so a pipeline is deterministic given the generator's seed.
/// </summary>
public abstract record ImageTransform
{
    /// <summary>Shape of the output for an input of <paramref name="input"/>; throws if the input cannot be transformed.</summary>
    public virtual ImageShape OutputShape(ImageShape input) => input;

    /// <summary>Writes the transformed <paramref name="src"/> (shape <paramref name="shape"/>) into <paramref name="dst"/> (length <c>OutputShape(shape).Size</c>; never overlapping src).</summary>
    public abstract void Apply(ReadOnlySpan<float> src, ImageShape shape, Span<float> dst, ref SampleRandom rng);
}
