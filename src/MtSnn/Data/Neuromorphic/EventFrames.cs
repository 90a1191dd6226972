namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// A clip of event frames, shape [T, 2, H, W], row-major in <see cref="Data"/>: element (t, c, y, x) is at
/// <c>((t * 2 + c) * H + y) * W + x</c>. Channel 0 counts OFF events, channel 1 ON events (SpikingJelly's order).
/// </summary>
public sealed class EventFrames
{
    /// <summary>Polarity channels per frame.</summary>
    public const int Channels = 2;

    /// <summary>Wraps <paramref name="data"/> (taken over, not copied), which must hold T*2*H*W values.</summary>
    public EventFrames(int frames, int height, int width, float[] data)
    {
        if (frames < 1 || height < 1 || width < 1) throw new ArgumentException($"frames, height and width must be >= 1 (got T={frames}, H={height}, W={width})");
        ArgumentNullException.ThrowIfNull(data);
        long n = (long)frames * Channels * height * width;
        if (data.Length != n) throw new ArgumentException($"frame data must hold T*2*H*W = {n} values (got {data.Length})");
        Frames = frames; Height = height; Width = width; Data = data;
    }

    /// <summary>Zero frames of shape [T, 2, H, W].</summary>
    public EventFrames(int frames, int height, int width) : this(frames, height, width, new float[checked(frames * Channels * height * width)]) { }

    /// <summary>T, the number of frames.</summary>
    public int Frames { get; }
    /// <summary>H.</summary>
    public int Height { get; }
    /// <summary>W.</summary>
    public int Width { get; }
    /// <summary>The values, [T, 2, H, W] row-major.</summary>
    public float[] Data { get; }
    /// <summary>The shape as a 4-element array {T, 2, H, W} (for <c>torch.tensor(Data, Shape)</c>).</summary>
    public long[] Shape => [Frames, Channels, Height, Width];

    /// <summary>Element (t, c, y, x).</summary>
    public float this[int t, int c, int y, int x]
    {
        get => Data[Index(t, c, y, x)];
        set => Data[Index(t, c, y, x)] = value;
    }

    /// <summary>Frame t: 2*H*W values.</summary>
    public Span<float> Frame(int t) => Data.AsSpan(t * Channels * Height * Width, Channels * Height * Width);

    /// <summary>One channel plane of frame t: H*W values.</summary>
    public Span<float> Plane(int t, int c) => Data.AsSpan((t * Channels + c) * Height * Width, Height * Width);

    /// <summary>Sum of all values.</summary>
    public double Sum()
    {
        double s = 0;
        foreach (float v in Data) s += v;
        return s;
    }

    private int Index(int t, int c, int y, int x)
    {
        if ((uint)t >= (uint)Frames || (uint)c >= Channels || (uint)y >= (uint)Height || (uint)x >= (uint)Width)
            throw new IndexOutOfRangeException($"index (t={t}, c={c}, y={y}, x={x}) outside [{Frames}, 2, {Height}, {Width}]");
        return ((t * Channels + c) * Height + y) * Width + x;
    }
}
