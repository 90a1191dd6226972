using MtSnn.IO;

namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// Renders event frames side by side as an RGB picture: black background, ON counts in red, OFF counts in blue
/// (both → magenta), each frame scaled by its own maximum (value = round(255 · count / max)); tiles are enlarged
/// <c>scale</c> times (nearest neighbour) and separated by a 1-pixel grey line.
/// </summary>
public static class EventFramePng
{
    /// <summary>RGB bytes (height rows of width*3) of the first <paramref name="maxFrames"/> frames.</summary>
    public static (int Width, int Height, byte[] Rgb) Render(EventFrames frames, int scale = 4, int maxFrames = 16)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (scale < 1 || scale > 64) throw new ArgumentException($"scale must be in [1, 64] (got {scale})");
        if (maxFrames < 1) throw new ArgumentException($"max frames must be >= 1 (got {maxFrames})");
        int tiles = Math.Min(frames.Frames, maxFrames);
        int tileW = frames.Width * scale, tileH = frames.Height * scale;
        int width = tiles * tileW + (tiles - 1), height = tileH;
        var rgb = new byte[width * height * 3];
        for (int t = 0; t < tiles; t++)
        {
            var off = frames.Plane(t, 0);
            var on = frames.Plane(t, 1);
            float max = 0;
            foreach (float v in frames.Frame(t)) max = Math.Max(max, v);
            int left = t * (tileW + 1);
            if (t > 0) for (int y = 0; y < height; y++) rgb.AsSpan((y * width + left - 1) * 3, 3).Fill(128);
            if (max <= 0) continue;
            for (int y = 0; y < tileH; y++)
            for (int x = 0; x < tileW; x++)
            {
                int src = y / scale * frames.Width + x / scale;
                int dst = (y * width + left + x) * 3;
                rgb[dst] = (byte)Math.Round(255 * Math.Clamp(on[src] / max, 0, 1));
                rgb[dst + 2] = (byte)Math.Round(255 * Math.Clamp(off[src] / max, 0, 1));
            }
        }
        return (width, height, rgb);
    }

    /// <summary>Writes <see cref="Render"/>'s picture as a PNG file, atomically.</summary>
    public static void Write(string path, EventFrames frames, int scale = 4, int maxFrames = 16)
    {
        var (w, h, rgb) = Render(frames, scale, maxFrames);
        AtomicFile.WriteAllBytes(path, PngEncoder.EncodeRgb(w, h, rgb));
    }
}
