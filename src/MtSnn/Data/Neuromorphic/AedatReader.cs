using System.Buffers.Binary;
using System.Text;

namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// Streaming reader of <c>.aedat</c> files, AEDAT 2.0 (CIFAR10-DVS) and AEDAT 3.1 (DVS128 Gesture); the version
/// comes from the first header line. Every problem (unknown version, truncated data, an address outside the
/// sensor) is an <see cref="InvalidDataException"/> with one line naming the file and the byte offset.
/// </summary>
/// <remarks>
/// <para><b>Header.</b> ASCII lines starting with '#', each ending in "\r\n"; the first is <c>#!AER-DAT2.0</c> or
/// <c>#!AER-DAT3.1</c>. AEDAT 2.0: the header ends before the first line not starting with '#'.
/// AEDAT 3.1: the header ends with the line <c>#!END-HEADER\r\n</c>.</para>
/// <para><b>AEDAT 2.0 body</b>: 8-byte events, big-endian: uint32 address a, uint32 timestamp t (µs).
/// DVS128 address: bit 0 = polarity bit (0 = ON), bits 1..7 = xr, bits 8..14 = yr; see <see cref="Aedat2Layout"/>.</para>
/// <para><b>AEDAT 3.1 body</b>: packets, little-endian. A 28-byte header: int16 eventType, int16 eventSource,
/// int32 eventSize, int32 eventTSOffset, int32 eventTSOverflow, int32 eventCapacity, int32 eventNumber,
/// int32 eventValid; then eventNumber events of eventSize bytes (files store packets trimmed: capacity = number).
/// Polarity packets (eventType 1) have 8-byte events: uint32 data (bit 0 valid, bit 1 polarity 1 = ON,
/// bits 2..16 y, bits 17..31 x) and int32 timestamp; t = (eventTSOverflow &lt;&lt; 31) | timestamp.
/// Packets of other types are skipped.</para>
/// </remarks>
public static class AedatReader
{
    private const int MaxHeaderLine = 64 * 1024;

    /// <summary>Reads every polarity event of the file at <paramref name="path"/>.</summary>
    public static EventStream Read(string path, AedatReadOptions? options = null)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Read(fs, options, path);
    }

    /// <summary>Reads every polarity event of <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static EventStream Read(Stream stream, AedatReadOptions? options = null, string source = "stream")
    {
        var o = (options ?? new AedatReadOptions()).Validate();
        var cursor = new ByteCursor(stream, source);
        var version = ReadHeader(cursor);
        var events = new EventStreamBuilder(o.Width, o.Height, 1 << 14);
        if (version == AedatVersion.V2) ReadV2(cursor, o, events);
        else ReadV31(cursor, o, events);
        return events.ToStream();
    }

    /// <summary>
    /// Checks the header of the file at <paramref name="path"/> (first line a supported version, the header ending,
    /// event data after it) without reading the events: what a data set does for every file when it is opened, so a
    /// bad file is found before any output is written. Throws <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static void CheckHeader(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        ReadHeader(new ByteCursor(fs, path, 4096));
    }

    /// <summary>Reads the header and returns the version; leaves the cursor on the first body byte.</summary>
    internal static AedatVersion ReadHeader(ByteCursor cursor)
    {
        var first = cursor.ReadLine(MaxHeaderLine) ?? throw cursor.Error("empty file (expected the header line #!AER-DAT2.0 or #!AER-DAT3.1)");
        string line = Encoding.ASCII.GetString(first).TrimEnd('\r', '\n');
        AedatVersion version = line switch
        {
            "#!AER-DAT2.0" => AedatVersion.V2,
            "#!AER-DAT3.1" => AedatVersion.V31,
            _ => throw cursor.Error($"unsupported AEDAT header '{Printable(line)}' (allowed: #!AER-DAT2.0, #!AER-DAT3.1)"),
        };
        if (version == AedatVersion.V2)
        {
            while (cursor.Peek() == '#') cursor.ReadLine(MaxHeaderLine);
            if (cursor.Peek() < 0) throw cursor.Error("the AEDAT 2.0 header never ends: the file holds header lines only, no event data");
            return version;
        }
        while (true)
        {
            var raw = cursor.ReadLine(MaxHeaderLine) ?? throw cursor.Error("truncated header: no #!END-HEADER line");
            if (raw.Length == 0 || raw[0] != (byte)'#') throw cursor.Error($"header line at byte {cursor.Position - raw.Length} does not start with '#' and no #!END-HEADER came before it");
            if (Encoding.ASCII.GetString(raw).TrimEnd('\r', '\n') == "#!END-HEADER") return version;
        }
    }

    private static void ReadV2(ByteCursor cursor, AedatReadOptions o, EventStreamBuilder events)
    {
        Span<byte> chunk = stackalloc byte[8 * 1024];
        long index = 0;
        while (true)
        {
            long at = cursor.Position;
            int got = cursor.Read(chunk);
            if (got % 8 != 0) throw cursor.Error($"truncated AEDAT 2.0 event at byte {at + got / 8 * 8}: {got % 8} of 8 bytes");
            for (int k = 0; k < got; k += 8, index++)
            {
                uint a = BinaryPrimitives.ReadUInt32BigEndian(chunk[k..]);
                uint ts = BinaryPrimitives.ReadUInt32BigEndian(chunk[(k + 4)..]);
                int xr = (int)(a >> 1 & 0x7F), yr = (int)(a >> 8 & 0x7F);
                bool on = (a & 1) == 0;
                (int x, int y) = o.Layout == Aedat2Layout.Dvs128 ? (127 - xr, yr) : (127 - yr, 127 - xr);
                if (x >= o.Width || y >= o.Height)
                    throw cursor.Error($"event {index} at byte {at + k}: address (x={x}, y={y}) outside the {o.Width}x{o.Height} sensor");
                events.Add(x, y, ts, on);
            }
            if (got < chunk.Length) return;
        }
    }

    private static void ReadV31(ByteCursor cursor, AedatReadOptions o, EventStreamBuilder events)
    {
        Span<byte> header = stackalloc byte[28];
        byte[] body = new byte[8 * 1024];
        while (true)
        {
            long at = cursor.Position;
            int got = cursor.Read(header);
            if (got == 0) return;
            if (got < 28) throw cursor.Error($"truncated packet header at byte {at}: {got} of 28 bytes");
            short type = BinaryPrimitives.ReadInt16LittleEndian(header);
            int size = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            int tsOffset = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            int overflow = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            int capacity = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
            int number = BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
            int valid = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
            if (size < 4 || tsOffset < 0 || tsOffset > size - 4 || number < 0 || capacity < number || valid < 0 || valid > number || overflow < 0)
                throw cursor.Error($"corrupt packet header at byte {at} (type {type}, eventSize {size}, eventTSOffset {tsOffset}, eventTSOverflow {overflow}, eventCapacity {capacity}, eventNumber {number}, eventValid {valid})");
            long length = (long)size * number;
            if (type != 1)
            {
                long skipped = cursor.Skip(length);
                if (skipped < length) throw cursor.Error($"truncated packet at byte {at}: {skipped} of {length} event bytes");
                continue;
            }
            if (size != 8) throw cursor.Error($"polarity packet at byte {at} has eventSize {size} (must be 8)");
            long t0 = (long)overflow << 31;
            for (long done = 0; done < length;)
            {
                int want = (int)Math.Min(body.Length, length - done);
                long bodyAt = cursor.Position;
                int n = cursor.Read(body.AsSpan(0, want));
                if (n < want) throw cursor.Error($"truncated packet at byte {at}: {done + n} of {length} event bytes");
                for (int k = 0; k < n; k += 8)
                {
                    uint data = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(k));
                    int ts = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(k + 4));
                    if ((data & 1) == 0 && !o.KeepInvalid) continue;
                    int x = (int)(data >> 17 & 0x7FFF), y = (int)(data >> 2 & 0x7FFF);
                    if (x >= o.Width || y >= o.Height)
                        throw cursor.Error($"event at byte {bodyAt + k}: address (x={x}, y={y}) outside the {o.Width}x{o.Height} sensor");
                    if (ts < 0) throw cursor.Error($"event at byte {bodyAt + k}: negative timestamp {ts}");
                    events.Add(x, y, t0 | (uint)ts, (data >> 1 & 1) == 1);
                }
                done += n;
            }
        }
    }

    private static string Printable(string s)
    {
        var chars = s.Take(40).Select(c => c is >= ' ' and <= '~' ? c : '?');
        return new string([.. chars]) + (s.Length > 40 ? "..." : "");
    }
}
