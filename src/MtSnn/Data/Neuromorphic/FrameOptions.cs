namespace MtSnn.Data.Neuromorphic;

/// <summary>How events are split into T frames.</summary>
public enum FrameSplit
{
    /// <summary>Equal event counts: with N events and d = N / T (integer division), frame i holds events [i d, (i+1) d) and the last frame [(T-1) d, N).</summary>
    Number,
    /// <summary>Equal durations: with dt = (t_last - t_first) / T (integer µs), frame i holds t in [t_first + i dt, t_first + (i+1) dt), the last frame every t &gt;= t_first + (T-1) dt. Needs time-sorted events.</summary>
    Time,
}

/// <summary>Per-frame scaling applied after counting.</summary>
public enum FrameNormalization
{
    /// <summary>Raw event counts.</summary>
    None,
    /// <summary>Each frame (both channels) divided by its largest count, so its maximum is 1 (empty frames stay 0).</summary>
    FrameMax,
    /// <summary>Each frame (both channels) divided by the number of events in it, so it sums to 1 (empty frames stay 0).</summary>
    EventCount,
}

/// <summary>Options of <see cref="EventFramer"/>; immutable, checked by <see cref="Validate"/>.</summary>
public sealed record FrameOptions
{
    /// <summary>T, the number of frames (&gt;= 1). Default 10.</summary>
    public int Frames { get; init; } = 10;
    /// <summary>Split rule. Default <see cref="FrameSplit.Number"/>.</summary>
    public FrameSplit Split { get; init; } = FrameSplit.Number;
    /// <summary>Output height; null keeps the sensor height. Rows map as y' = floor(y * OutHeight / Height).</summary>
    public int? Height { get; init; }
    /// <summary>Output width; null keeps the sensor width. Columns map as x' = floor(x * OutWidth / Width).</summary>
    public int? Width { get; init; }
    /// <summary>Per-frame normalisation. Default none.</summary>
    public FrameNormalization Normalization { get; init; } = FrameNormalization.None;

    /// <summary>Checks every option; throws <see cref="ArgumentException"/> naming the bad value and what is allowed.</summary>
    public FrameOptions Validate()
    {
        if (Frames < 1) throw new ArgumentException($"frames T must be >= 1 (got {Frames})");
        if (!Enum.IsDefined(Split)) throw new ArgumentException($"split must be number or time (got {Split})");
        if (!Enum.IsDefined(Normalization)) throw new ArgumentException($"normalization must be none, frame-max or event-count (got {Normalization})");
        if (Height is < 1) throw new ArgumentException($"output height must be >= 1 (got {Height})");
        if (Width is < 1) throw new ArgumentException($"output width must be >= 1 (got {Width})");
        return this;
    }
}
