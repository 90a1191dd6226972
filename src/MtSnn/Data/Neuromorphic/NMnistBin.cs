using MtSnn.IO;

namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// The N-MNIST / N-Caltech101 <c>.bin</c> format (Orchard et al. 2015): 5 bytes per event, no header.
/// <code>
/// byte 0: x (0..255)          byte 1: y (0..255)
/// byte 2: bit 7 = polarity (1 = ON), bits 6..0 = t[22..16]
/// byte 3: t[15..8]            byte 4: t[7..0]        t = ((b2 &amp; 0x7F) &lt;&lt; 16) | (b3 &lt;&lt; 8) | b4, µs
/// </code>
/// N-MNIST uses a 34x34 sensor; timestamps are 23-bit (t &lt; 8 388 608 µs).
/// </summary>
public static class NMnistBin
{
    /// <summary>Bytes per event.</summary>
    public const int EventBytes = 5;
    /// <summary>Largest timestamp the format holds, 2^23 - 1 µs.</summary>
    public const long MaxTimestamp = (1 << 23) - 1;

    /// <summary>Reads a .bin file; addresses must lie on the <paramref name="width"/> x <paramref name="height"/> sensor.</summary>
    public static EventStream Read(string path, int width = 34, int height = 34)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Read(fs, width, height, path);
    }

    /// <summary>Reads .bin content from a stream; <paramref name="source"/> names it in errors.</summary>
    public static EventStream Read(Stream stream, int width = 34, int height = 34, string source = "stream")
    {
        if (width < 1 || width > 256 || height < 1 || height > 256)
            throw new ArgumentException($"N-MNIST sensor size must be in [1, 256] x [1, 256] (got {width}x{height})");
        var cursor = new ByteCursor(stream, source);
        var events = new EventStreamBuilder(width, height, 4096);
        Span<byte> chunk = stackalloc byte[EventBytes * 1024];
        long index = 0;
        while (true)
        {
            long at = cursor.Position;
            int got = cursor.Read(chunk);
            if (got % EventBytes != 0)
                throw cursor.Error($"truncated N-MNIST event at byte {at + got / EventBytes * EventBytes}: {got % EventBytes} of {EventBytes} bytes");
            for (int k = 0; k < got; k += EventBytes, index++)
            {
                int x = chunk[k], y = chunk[k + 1];
                if (x >= width || y >= height)
                    throw cursor.Error($"event {index} at byte {at + k}: address (x={x}, y={y}) outside the {width}x{height} sensor");
                bool on = (chunk[k + 2] & 0x80) != 0;
                long t = ((long)(chunk[k + 2] & 0x7F) << 16) | ((long)chunk[k + 3] << 8) | chunk[k + 4];
                events.Add(x, y, t, on);
            }
            if (got < chunk.Length)
                return index > 0 ? events.ToStream() : throw cursor.Error("empty N-MNIST recording (no events)");
        }
    }

    /// <summary>Encodes events in the 5-byte layout; rejects x or y &gt; 255 and t outside [0, 2^23).</summary>
    public static byte[] Encode(EventStream events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var bytes = new byte[events.Count * EventBytes];
        var x = events.X; var y = events.Y; var t = events.T; var p = events.P;
        for (int i = 0; i < events.Count; i++)
        {
            if (x[i] > 255 || y[i] > 255) throw new ArgumentException($"event {i}: address (x={x[i]}, y={y[i]}) does not fit N-MNIST's 8-bit fields (allowed 0..255)");
            if (t[i] < 0 || t[i] > MaxTimestamp) throw new ArgumentException($"event {i}: timestamp {t[i]} µs does not fit N-MNIST's 23 bits (allowed 0..{MaxTimestamp})");
            int k = i * EventBytes;
            bytes[k] = (byte)x[i];
            bytes[k + 1] = (byte)y[i];
            bytes[k + 2] = (byte)((p[i] ? 0x80 : 0) | (int)(t[i] >> 16));
            bytes[k + 3] = (byte)(t[i] >> 8);
            bytes[k + 4] = (byte)t[i];
        }
        return bytes;
    }

    /// <summary>Writes events to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Write(string path, EventStream events) => AtomicFile.WriteAllBytes(path, Encode(events));
}
