using System.Buffers.Binary;
using System.IO.Compression;
using MtSnn.Data.Neuromorphic;
using Xunit;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Neuromorphic;

public class EventFramePngTests
{
    [Fact]
    public void Renders_on_red_off_blue_scaled_by_frame_max_with_a_grey_separator()
    {
        var f = new EventFrames(2, 2, 2);
        f[0, 1, 0, 0] = 2; // ON
        f[0, 0, 1, 1] = 1; // OFF, half the frame max -> 255 * 0.5 = 127.5 -> 128
        var (w, h, rgb) = EventFramePng.Render(f, scale: 1);
        Assert.Equal((5, 2), (w, h)); // 2 tiles of width 2 + 1 separator
        Assert.Equal(new byte[] { 255, 0, 0 }, rgb[0..3]);
        int p11 = (1 * 5 + 1) * 3; // row 1, column 1
        Assert.Equal(new byte[] { 0, 0, 128 }, rgb[p11..(p11 + 3)]);
        Assert.Equal(new byte[] { 128, 128, 128 }, rgb[(2 * 3)..(2 * 3 + 3)]);
        Assert.All(rgb[(3 * 3)..(5 * 3)], v => Assert.Equal(0, v)); // empty second frame stays black
    }

    [Fact]
    public void Writes_a_valid_png()
    {
        using var dir = new TempDir();
        var f = new EventFrames(1, 3, 2);
        f[0, 1, 2, 1] = 1;
        string path = dir.File("frames.png");
        EventFramePng.Write(path, f, scale: 2);
        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(4, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16))); // width 2 * 2
        Assert.Equal(6, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))); // height 3 * 2
        Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, png[24..29]);
        // the IEND chunk and its well-known CRC AE 42 60 82
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }, png[^12..]);
        // IDAT: rows of filter byte 0 + 4 RGB pixels; the ON pixel (2, 1) covers rows 4..5, columns 2..3
        int idatLength = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        Assert.Equal("IDAT", System.Text.Encoding.ASCII.GetString(png, 37, 4));
        using var z = new ZLibStream(new MemoryStream(png, 41, idatLength), CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        byte[] rows = raw.ToArray();
        Assert.Equal(6 * (1 + 4 * 3), rows.Length);
        for (int y = 0; y < 6; y++)
        {
            Assert.Equal(0, rows[y * 13]);
            for (int x = 0; x < 4; x++)
            {
                byte red = rows[y * 13 + 1 + x * 3];
                Assert.Equal(y >= 4 && x >= 2 ? 255 : 0, red);
            }
        }
    }
}
