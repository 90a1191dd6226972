using System.Buffers.Binary;
using System.IO.Compression;

namespace MtSnn.Tests.Data;

/// <summary>Writes IDX files byte by byte from the format's definition: big-endian magic, big-endian sizes, data.</summary>
internal static class IdxWriter
{
    public static byte[] Images(int count, int rows, int cols, byte[] pixels, int magic = 0x00000803)
    {
        var b = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(12), cols);
        pixels.CopyTo(b, 16);
        return b;
    }

    public static byte[] Labels(byte[] labels, int magic = 0x00000801)
    {
        var b = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), labels.Length);
        labels.CopyTo(b, 8);
        return b;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}
