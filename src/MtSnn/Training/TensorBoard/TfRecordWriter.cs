using System.Buffers.Binary;
using System.Numerics;

namespace MtSnn.Training.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard's event files: per record <c>u64 length</c>, <c>u32 masked
/// CRC-32C(length bytes)</c>, the data, <c>u32 masked CRC-32C(data)</c>, all little-endian; the mask is
/// <c>((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8</c>. Every record is flushed, so a crash leaves whole records.
/// </summary>
public sealed class TfRecordWriter : IDisposable
{
    private readonly FileStream _file;

    /// <summary>Creates (or truncates) <paramref name="path"/>.</summary>
    public TfRecordWriter(string path) => _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);

    /// <summary>Appends one record and flushes it.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(data));
        _file.Write(header);
        _file.Write(data);
        _file.Write(footer);
        _file.Flush();
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>, the hardware instruction where there is one.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++) crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }

    /// <summary>TFRecord's masked CRC-32C.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();
}
