using System.Buffers.Binary;
using Xunit;

namespace MtSnn.Tests.TestSupport;

/// <summary>
/// Reads a TFRecord file (TensorBoard's event files) independently of the writer: per frame u64 length, u32 masked
/// CRC-32C of the length, the data, u32 masked CRC-32C of the data; the CRC is computed here bit by bit.
/// </summary>
public static class TfRecordFrames
{
    /// <summary>The frames' data, checking both CRCs of every frame and that the frames tile the file.</summary>
    public static List<byte[]> Read(byte[] file)
    {
        Assert.NotEmpty(file);
        var frames = new List<byte[]>();
        int pos = 0;
        while (pos < file.Length)
        {
            Assert.True(pos + 12 <= file.Length, $"record header at {pos} runs past the end");
            ulong len = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos));
            Assert.Equal(MaskedCrc(file.AsSpan(pos, 8)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8)));
            Assert.True(pos + 12 + (long)len + 4 <= file.Length, $"record at {pos} of {len} bytes runs past the end");
            var data = file.AsSpan(pos + 12, (int)len);
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 12 + (int)len)));
            frames.Add(data.ToArray());
            pos += 16 + (int)len;
        }
        return frames;
    }

    /// <summary>TFRecord's masked CRC: the CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) rotated right by 15 plus 0xa282ead8.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        crc = ~crc;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }
}
