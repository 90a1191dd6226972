namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// Integrates events into frames [T, 2, H', W'] the way SpikingJelly's <c>integrate_events_by_fixed_frames_number</c>
/// does: F[i, c, y', x'] = #{ events e in segment i : p_e = c, floor(y_e H'/H) = y', floor(x_e W'/W) = x' } with
/// c = 0 for OFF, 1 for ON, the segments given by <see cref="FrameSplit"/>, then the optional
/// <see cref="FrameNormalization"/>. Unlike SpikingJelly, an empty time window gives an empty frame instead of an error.
/// </summary>
public static class EventFramer
{
    /// <summary>Frames of <paramref name="events"/>.</summary>
    public static EventFrames ToFrames(EventStream events, FrameOptions options)
    {
        ArgumentNullException.ThrowIfNull(events);
        var o = options.Validate();
        int outH = o.Height ?? events.Height, outW = o.Width ?? events.Width;
        if (outH > events.Height || outW > events.Width)
            throw new ArgumentException($"output size {outH}x{outW} must not exceed the sensor size {events.Height}x{events.Width} (downsampling only)");
        var frames = new EventFrames(o.Frames, outH, outW);
        var bounds = Segments(events.T, o.Frames, o.Split);
        var x = events.X; var y = events.Y; var p = events.P;
        int plane = outH * outW;

        // bin lookup tables: x -> x', y -> y'
        Span<int> colOf = events.Width <= 4096 ? stackalloc int[events.Width] : new int[events.Width];
        Span<int> rowOf = events.Height <= 4096 ? stackalloc int[events.Height] : new int[events.Height];
        for (int i = 0; i < colOf.Length; i++) colOf[i] = (int)((long)i * outW / events.Width);
        for (int i = 0; i < rowOf.Length; i++) rowOf[i] = (int)((long)i * outH / events.Height) * outW;

        for (int f = 0; f < o.Frames; f++)
        {
            var frame = frames.Frame(f);
            var (start, end) = bounds[f];
            for (int e = start; e < end; e++)
                frame[(p[e] ? plane : 0) + rowOf[y[e]] + colOf[x[e]]] += 1f;
            Normalize(frame, end - start, o.Normalization);
        }
        return frames;
    }

    /// <summary>
    /// The index range [start, end) of each of the <paramref name="frames"/> segments of timestamps <paramref name="t"/>
    /// (see <see cref="FrameSplit"/> for the rule); with no events every range is empty.
    /// </summary>
    public static (int Start, int End)[] Segments(ReadOnlySpan<long> t, int frames, FrameSplit split)
    {
        if (frames < 1) throw new ArgumentException($"frames T must be >= 1 (got {frames})");
        var result = new (int, int)[frames];
        int n = t.Length;
        if (n == 0) return result;
        if (split == FrameSplit.Number)
        {
            int d = n / frames;
            for (int i = 0; i < frames; i++) result[i] = (i * d, i == frames - 1 ? n : (i + 1) * d);
            return result;
        }
        for (int i = 1; i < n; i++)
            if (t[i] < t[i - 1]) throw new ArgumentException($"split by time needs time-sorted events (t[{i}] = {t[i]} < t[{i - 1}] = {t[i - 1]}); sort with EventStream.SortedByTime()");
        long t0 = t[0], dt = (t[n - 1] - t0) / frames;
        int s = 0;
        for (int i = 0; i < frames; i++)
        {
            if (i == frames - 1) { result[i] = (s, n); break; }
            long right = t0 + (i + 1) * dt;
            int e = s;
            while (e < n && t[e] < right) e++;
            result[i] = (s, e);
            s = e;
        }
        return result;
    }

    private static void Normalize(Span<float> frame, int events, FrameNormalization mode)
    {
        float scale = 0;
        if (mode == FrameNormalization.FrameMax)
        {
            float max = 0;
            foreach (float v in frame) max = Math.Max(max, v);
            scale = max > 0 ? 1f / max : 0;
        }
        else if (mode == FrameNormalization.EventCount) scale = events > 0 ? 1f / events : 0;
        else return;
        if (scale == 0) return;
        foreach (ref float v in frame) v *= scale;
    }
}
