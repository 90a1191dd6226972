using MtSnn.Data.Neuromorphic;
using Xunit;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Neuromorphic;

public class NMnistBinTests
{
    // Event 1: x = 3, y = 33, ON, t = 0x012345 = 74565 -> 03 21 (0x80 | 0x01) 23 45.
    // Event 2: x = 0, y = 0, OFF, t = 2^23 - 1 = 8388607 -> 00 00 7F FF FF.
    private static readonly byte[] TwoEvents = [0x03, 0x21, 0x81, 0x23, 0x45, 0x00, 0x00, 0x7F, 0xFF, 0xFF];

    private static EventStream Read(byte[] b) => NMnistBin.Read(new MemoryStream(b), source: "x.bin");

    [Fact]
    public void Decodes_the_40_bit_layout()
    {
        var e = Read(TwoEvents);
        Assert.Equal(2, e.Count);
        Assert.Equal((3, 33, 74565L, true), ((int)e.X[0], (int)e.Y[0], e.T[0], e.P[0]));
        Assert.Equal((0, 0, 8388607L, false), ((int)e.X[1], (int)e.Y[1], e.T[1], e.P[1]));
    }

    [Fact]
    public void Encodes_the_same_bytes()
    {
        var e = new EventStream(34, 34, [3, 0], [33, 0], [74565, 8388607], [true, false]);
        Assert.Equal(TwoEvents, NMnistBin.Encode(e));
    }

    [Fact]
    public void Write_then_read_gives_the_same_events()
    {
        using var dir = new TempDir();
        var rng = new Random(7);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = rng.Next(0, 3000); // more than one 5120-byte read chunk for the larger ones
            var x = new ushort[n]; var y = new ushort[n]; var t = new long[n]; var p = new bool[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = (ushort)rng.Next(34); y[i] = (ushort)rng.Next(34);
                t[i] = rng.NextInt64(NMnistBin.MaxTimestamp + 1); p[i] = rng.Next(2) == 1;
            }
            string path = dir.File($"{trial}.bin");
            NMnistBin.Write(path, new EventStream(34, 34, x, y, t, p));
            Assert.Equal(5L * n, new FileInfo(path).Length);
            var back = NMnistBin.Read(path);
            Assert.Equal(x, back.X.ToArray()); Assert.Equal(y, back.Y.ToArray());
            Assert.Equal(t, back.T.ToArray()); Assert.Equal(p, back.P.ToArray());
        }
    }

    [Fact]
    public void Truncated_file_is_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(TwoEvents[..7]));
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("2 of 5 bytes", ex.Message);
    }

    [Fact]
    public void Out_of_range_address_is_rejected()
    {
        byte[] b = [0x22, 0x00, 0x00, 0x00, 0x01]; // x = 34 on a 34x34 sensor
        var ex = Assert.Throws<InvalidDataException>(() => Read(b));
        Assert.Contains("x=34", ex.Message);
        Assert.Equal(1, NMnistBin.Read(new MemoryStream(b), 35, 34).Count);
    }

    [Fact]
    public void Unencodable_events_are_rejected()
    {
        Assert.Contains("23 bits", Assert.Throws<ArgumentException>(() =>
            NMnistBin.Encode(new EventStream(34, 34, [0], [0], [NMnistBin.MaxTimestamp + 1], [true]))).Message);
        Assert.Contains("8-bit", Assert.Throws<ArgumentException>(() =>
            NMnistBin.Encode(new EventStream(300, 34, [256], [0], [0], [true]))).Message);
        Assert.Throws<ArgumentException>(() => NMnistBin.Encode(new EventStream(34, 34, [0], [0], [-1], [true])));
    }
}
