namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// An immutable stream of DVS events in struct-of-arrays form: event i is (x_i, y_i, t_i, p_i) with
/// 0 &lt;= x_i &lt; <see cref="Width"/>, 0 &lt;= y_i &lt; <see cref="Height"/>, t_i in microseconds and
/// p_i = true for an ON event (log intensity went up), false for OFF. Row y = 0 is the top row.
/// </summary>
public sealed class EventStream
{
    private readonly ushort[] _x;
    private readonly ushort[] _y;
    private readonly long[] _t;
    private readonly bool[] _p;

    /// <summary>Takes ownership of the four arrays (do not change them afterwards); checks equal lengths and every address.</summary>
    public EventStream(int width, int height, ushort[] x, ushort[] y, long[] t, bool[] p)
    {
        if (width < 1 || width > ushort.MaxValue + 1) throw new ArgumentException($"event stream width must be in [1, 65536] (got {width})");
        if (height < 1 || height > ushort.MaxValue + 1) throw new ArgumentException($"event stream height must be in [1, 65536] (got {height})");
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(t); ArgumentNullException.ThrowIfNull(p);
        if (y.Length != x.Length || t.Length != x.Length || p.Length != x.Length)
            throw new ArgumentException($"event arrays must have equal lengths (x {x.Length}, y {y.Length}, t {t.Length}, p {p.Length})");
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] >= width || y[i] >= height)
                throw new ArgumentException($"event {i} address (x={x[i]}, y={y[i]}) is outside the {width}x{height} sensor");
        }
        Width = width; Height = height; _x = x; _y = y; _t = t; _p = p;
    }

    /// <summary>Sensor width (x range is [0, Width)).</summary>
    public int Width { get; }
    /// <summary>Sensor height (y range is [0, Height)).</summary>
    public int Height { get; }
    /// <summary>Number of events.</summary>
    public int Count => _x.Length;
    /// <summary>Column of each event.</summary>
    public ReadOnlySpan<ushort> X => _x;
    /// <summary>Row of each event (0 = top).</summary>
    public ReadOnlySpan<ushort> Y => _y;
    /// <summary>Timestamp of each event, microseconds.</summary>
    public ReadOnlySpan<long> T => _t;
    /// <summary>Polarity of each event: true = ON (brighter), false = OFF (darker).</summary>
    public ReadOnlySpan<bool> P => _p;

    /// <summary>An empty stream on a <paramref name="width"/> x <paramref name="height"/> sensor.</summary>
    public static EventStream Empty(int width, int height) => new(width, height, [], [], [], []);

    /// <summary>t_last - t_first in microseconds (0 for fewer than two events).</summary>
    public long Duration => Count < 2 ? 0 : _t[^1] - _t[0];

    /// <summary>Whether t_i &lt;= t_{i+1} for every i.</summary>
    public bool IsTimeSorted()
    {
        for (int i = 1; i < _t.Length; i++) if (_t[i] < _t[i - 1]) return false;
        return true;
    }

    /// <summary>This stream when it is already sorted, else a copy stably sorted by t (equal timestamps keep their order).</summary>
    public EventStream SortedByTime()
    {
        if (IsTimeSorted()) return this;
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var t = _t;
        Array.Sort(order, (a, b) => t[a] != t[b] ? t[a].CompareTo(t[b]) : a.CompareTo(b));
        return Gather(order);
    }

    /// <summary>Events [start, start + length) as a new stream.</summary>
    public EventStream Slice(int start, int length)
    {
        if (start < 0 || length < 0 || start > Count - length)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start}+{length}) is outside [0, {Count})");
        return new EventStream(Width, Height, _x[start..(start + length)], _y[start..(start + length)],
            _t[start..(start + length)], _p[start..(start + length)]);
    }

    /// <summary>The events with <paramref name="tStart"/> &lt;= t &lt; <paramref name="tEnd"/>, in their original order (no sorting needed).</summary>
    public EventStream Between(long tStart, long tEnd)
    {
        var keep = new List<int>();
        for (int i = 0; i < _t.Length; i++) if (_t[i] >= tStart && _t[i] < tEnd) keep.Add(i);
        return Gather(keep.ToArray());
    }

    private EventStream Gather(int[] index)
    {
        var x = new ushort[index.Length]; var y = new ushort[index.Length];
        var t = new long[index.Length]; var p = new bool[index.Length];
        for (int i = 0; i < index.Length; i++)
        {
            int j = index[i];
            x[i] = _x[j]; y[i] = _y[j]; t[i] = _t[j]; p[i] = _p[j];
        }
        return new EventStream(Width, Height, x, y, t, p);
    }
}
