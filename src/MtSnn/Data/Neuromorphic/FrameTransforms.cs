namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// Deterministic geometric transforms of frames [T, 2, H, W]; every transform applies the same map to all T frames
/// and both channels and returns a new <see cref="EventFrames"/>.
/// </summary>
public static class FrameTransforms
{
    /// <summary>
    /// Translation with zero fill: out[t, c, y, x] = in[t, c, y - dy, x - dx] where that is inside, else 0.
    /// A uniform (dy, dx) in [-m, m]^2 is exactly torchvision's <c>RandomCrop(size, padding = m)</c>.
    /// </summary>
    public static EventFrames Translate(EventFrames frames, int dy, int dx) => Map(frames, dy, dx, wrap: false, flip: false);

    /// <summary>Cyclic shift like <c>torch.roll(x, (dy, dx), dims = (2, 3))</c>: out[t, c, y, x] = in[t, c, (y - dy) mod H, (x - dx) mod W].</summary>
    public static EventFrames Roll(EventFrames frames, int dy, int dx) => Map(frames, dy, dx, wrap: true, flip: false);

    /// <summary>Horizontal flip: out[t, c, y, x] = in[t, c, y, W - 1 - x].</summary>
    public static EventFrames FlipHorizontal(EventFrames frames) => Map(frames, 0, 0, wrap: false, flip: true);

    private static EventFrames Map(EventFrames frames, int dy, int dx, bool wrap, bool flip)
    {
        ArgumentNullException.ThrowIfNull(frames);
        int h = frames.Height, w = frames.Width;
        var result = new EventFrames(frames.Frames, h, w);
        if (wrap) { dy = Mod(dy, h); dx = Mod(dx, w); }
        for (int t = 0; t < frames.Frames; t++)
        for (int c = 0; c < EventFrames.Channels; c++)
        {
            ReadOnlySpan<float> src = frames.Plane(t, c);
            Span<float> dst = result.Plane(t, c);
            for (int y = 0; y < h; y++)
            {
                int sy = y - dy;
                if (wrap) sy = sy < 0 ? sy + h : sy;
                else if ((uint)sy >= (uint)h) continue;
                var srcRow = src.Slice(sy * w, w);
                var dstRow = dst.Slice(y * w, w);
                if (flip) { for (int x = 0; x < w; x++) dstRow[x] = srcRow[w - 1 - x]; continue; }
                if (wrap)
                {
                    // out[x] = in[(x - dx) mod W]: the tail of the source row moves to the front
                    srcRow[(w - dx)..].CopyTo(dstRow);
                    srcRow[..(w - dx)].CopyTo(dstRow[dx..]);
                    continue;
                }
                if (Math.Abs(dx) >= w) continue;
                if (dx >= 0) srcRow[..(w - dx)].CopyTo(dstRow[dx..]);
                else srcRow[(-dx)..].CopyTo(dstRow);
            }
        }
        return result;
    }

    private static int Mod(int a, int n) => ((a % n) + n) % n;
}
