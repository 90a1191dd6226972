namespace MtSnn.Data.Neuromorphic;

/// <summary>Options of <see cref="FrameAugmenter"/>; the defaults change nothing.</summary>
public sealed record AugmentOptions
{
    /// <summary>Random zero-fill translation: (dy, dx) uniform in [-m, m]^2 (m &gt;= 0; 0 = off).</summary>
    public int MaxTranslate { get; init; }
    /// <summary>Random cyclic roll: (dy, dx) uniform in [-r, r]^2 (r &gt;= 0; 0 = off).</summary>
    public int MaxRoll { get; init; }
    /// <summary>Probability of a horizontal flip, in [0, 1].</summary>
    public double FlipProbability { get; init; }

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the bad value and the allowed range.</summary>
    public AugmentOptions Validate()
    {
        if (MaxTranslate < 0) throw new ArgumentException($"max translate must be >= 0 pixels (got {MaxTranslate})");
        if (MaxRoll < 0) throw new ArgumentException($"max roll must be >= 0 pixels (got {MaxRoll})");
        if (!(FlipProbability >= 0 && FlipProbability <= 1)) throw new ArgumentException($"flip probability must be in [0, 1] (got {FlipProbability})");
        return this;
    }
}

/// <summary>
/// Seeded random augmentation of frames [T, 2, H, W]: per clip, in this order, a horizontal flip with probability
/// <see cref="AugmentOptions.FlipProbability"/>, a zero-fill translation, then a cyclic roll; one draw per clip, so
/// every frame of the clip moves the same way. The same seed and the same sequence of calls give the same output.
/// </summary>
public sealed class FrameAugmenter
{
    private readonly AugmentOptions _options;
    private readonly Random _random;

    /// <summary>An augmenter whose draws come from <c>new Random(seed)</c>.</summary>
    public FrameAugmenter(AugmentOptions options, int seed)
    {
        _options = options.Validate();
        _random = new Random(seed);
    }

    /// <summary>A new augmented clip; <paramref name="frames"/> is not changed.</summary>
    public EventFrames Apply(EventFrames frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        // draw everything first so the random sequence does not depend on which transforms are on
        bool flip = _random.NextDouble() < _options.FlipProbability;
        int ty = _random.Next(-_options.MaxTranslate, _options.MaxTranslate + 1);
        int tx = _random.Next(-_options.MaxTranslate, _options.MaxTranslate + 1);
        int ry = _random.Next(-_options.MaxRoll, _options.MaxRoll + 1);
        int rx = _random.Next(-_options.MaxRoll, _options.MaxRoll + 1);
        var result = flip ? FrameTransforms.FlipHorizontal(frames) : frames;
        if (ty != 0 || tx != 0) result = FrameTransforms.Translate(result, ty, tx);
        if (ry != 0 || rx != 0) result = FrameTransforms.Roll(result, ry, rx);
        return ReferenceEquals(result, frames) ? new EventFrames(frames.Frames, frames.Height, frames.Width, (float[])frames.Data.Clone()) : result;
    }
}
