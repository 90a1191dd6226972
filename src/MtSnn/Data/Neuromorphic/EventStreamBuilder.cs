namespace MtSnn.Data.Neuromorphic;

/// <summary>Appends events one by one (amortised O(1), no allocation per event) and freezes them into an <see cref="EventStream"/>.</summary>
public sealed class EventStreamBuilder
{
    private ushort[] _x, _y;
    private long[] _t;
    private bool[] _p;

    /// <summary>A builder for a <paramref name="width"/> x <paramref name="height"/> sensor.</summary>
    public EventStreamBuilder(int width, int height, int capacity = 1024)
    {
        if (width < 1 || width > ushort.MaxValue + 1 || height < 1 || height > ushort.MaxValue + 1)
            throw new ArgumentException($"sensor size must be in [1, 65536] x [1, 65536] (got {width}x{height})");
        Width = width; Height = height;
        capacity = Math.Max(capacity, 16);
        _x = new ushort[capacity]; _y = new ushort[capacity]; _t = new long[capacity]; _p = new bool[capacity];
    }

    /// <summary>Sensor width.</summary>
    public int Width { get; }
    /// <summary>Sensor height.</summary>
    public int Height { get; }
    /// <summary>Events appended so far.</summary>
    public int Count { get; private set; }

    /// <summary>Appends one event; the address must be on the sensor.</summary>
    public void Add(int x, int y, long t, bool on)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"event address (x={x}, y={y}) is outside the {Width}x{Height} sensor");
        if (Count == _x.Length) Grow();
        _x[Count] = (ushort)x; _y[Count] = (ushort)y; _t[Count] = t; _p[Count] = on;
        Count++;
    }

    /// <summary>Copies the events appended so far into a new stream.</summary>
    public EventStream ToStream() =>
        new(Width, Height, _x[..Count], _y[..Count], _t[..Count], _p[..Count]);

    private void Grow()
    {
        int n = checked(_x.Length * 2);
        Array.Resize(ref _x, n); Array.Resize(ref _y, n); Array.Resize(ref _t, n); Array.Resize(ref _p, n);
    }
}
