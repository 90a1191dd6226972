using MtSnn.Data.Neuromorphic;
using Xunit;
using static MtSnn.Tests.Neuromorphic.Bytes;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Neuromorphic;

public class AedatReaderTests
{
    private static readonly byte[] V2Header = Ascii("#!AER-DAT2.0\r\n# This is a raw AE data file\r\n# Data format is int32 address, int32 timestamp (8 bytes total)\r\n");

    // Event 1: ON (bit0 = 0), xr = 122, yr = 10: a = (10 << 8) | (122 << 1) = 2560 + 244 = 2804 = 0x00000AF4; t = 1000 = 0x3E8.
    // Event 2: OFF (bit0 = 1), xr = 0, yr = 127: a = (127 << 8) | 1 = 32513 = 0x00007F01; t = 0x01020304 = 16909060.
    private static readonly byte[] V2Body =
    [
        0x00, 0x00, 0x0A, 0xF4, 0x00, 0x00, 0x03, 0xE8,
        0x00, 0x00, 0x7F, 0x01, 0x01, 0x02, 0x03, 0x04,
    ];

    private static readonly byte[] V31Header = Ascii("#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#!END-HEADER\r\n");

    // A special-event packet (type 0, one 8-byte event) that must be skipped.
    private static readonly byte[] SpecialPacket =
    [
        0x00, 0x00, 0x01, 0x00, 0x08, 0, 0, 0, 0x04, 0, 0, 0, 0x00, 0, 0, 0, 0x01, 0, 0, 0, 0x01, 0, 0, 0, 0x01, 0, 0, 0,
        0xFF, 0xFF, 0xFF, 0xFF, 0x10, 0, 0, 0,
    ];

    // Polarity packet: type 1, source 1, size 8, tsOffset 4, tsOverflow 1, capacity 2, number 2, valid 1.
    // Event 1: valid, ON, y = 20, x = 100: data = (100 << 17) | (20 << 2) | 2 | 1 = 13107200 + 83 = 0x00C80053; ts = 5000 = 0x1388.
    // Event 2: invalid (bit0 = 0), OFF, y = 1, x = 1: data = (1 << 17) | (1 << 2) = 0x00020004; ts = 6000 = 0x1770.
    private static readonly byte[] PolarityPacket =
    [
        0x01, 0x00, 0x01, 0x00, 0x08, 0, 0, 0, 0x04, 0, 0, 0, 0x01, 0, 0, 0, 0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x01, 0, 0, 0,
        0x53, 0x00, 0xC8, 0x00, 0x88, 0x13, 0x00, 0x00,
        0x04, 0x00, 0x02, 0x00, 0x70, 0x17, 0x00, 0x00,
    ];

    private static EventStream Read(byte[] bytes, AedatReadOptions? o = null) => AedatReader.Read(new MemoryStream(bytes), o, "test.aedat");

    [Fact]
    public void Aedat2_decodes_the_jaer_dvs128_layout()
    {
        var e = Read(Concat(V2Header, V2Body));
        Assert.Equal(2, e.Count);
        // event 1: x = 127 - 122 = 5, y = 10, ON
        Assert.Equal((5, 10, 1000L, true), ((int)e.X[0], (int)e.Y[0], e.T[0], e.P[0]));
        // event 2: x = 127 - 0 = 127, y = 127, OFF
        Assert.Equal((127, 127, 16909060L, false), ((int)e.X[1], (int)e.Y[1], e.T[1], e.P[1]));
    }

    [Fact]
    public void Aedat2_cifar10dvs_layout_transposes_like_spikingjelly()
    {
        var e = Read(Concat(V2Header, V2Body), new AedatReadOptions { Layout = Aedat2Layout.Cifar10Dvs });
        // event 1: x = 127 - yr = 117, y = 127 - xr = 5, p = 1 - bit0 = ON
        Assert.Equal((117, 5, true), ((int)e.X[0], (int)e.Y[0], e.P[0]));
        // event 2: x = 127 - 127 = 0, y = 127 - 0 = 127, OFF
        Assert.Equal((0, 127, false), ((int)e.X[1], (int)e.Y[1], e.P[1]));
    }

    [Fact]
    public void Aedat2_header_only_is_refused_as_a_header_that_never_ends()
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(V2Header));
        Assert.Contains("header never ends", e.Message);
    }

    [Fact]
    public void Aedat31_decodes_polarity_packets_skips_other_types_and_invalid_events()
    {
        var e = Read(Concat(V31Header, SpecialPacket, PolarityPacket));
        Assert.Equal(1, e.Count);
        // t = (1 << 31) | 5000 = 2147483648 + 5000
        Assert.Equal((100, 20, 2147488648L, true), ((int)e.X[0], (int)e.Y[0], e.T[0], e.P[0]));

        var all = Read(Concat(V31Header, PolarityPacket), new AedatReadOptions { KeepInvalid = true });
        Assert.Equal(2, all.Count);
        Assert.Equal((1, 1, 2147489648L, false), ((int)all.X[1], (int)all.Y[1], all.T[1], all.P[1]));
    }

    [Fact]
    public void Reads_from_a_file_path()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("a.aedat"), Concat(V31Header, PolarityPacket));
        Assert.Equal(1, AedatReader.Read(dir.File("a.aedat")).Count);
    }

    [Theory]
    [InlineData("#!AER-DAT4.0\r\n")]
    [InlineData("garbage\r\n")]
    public void Wrong_header_is_rejected(string header)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(Concat(Ascii(header), V2Body)));
        Assert.Contains("unsupported AEDAT header", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Empty_file_is_rejected() =>
        Assert.Contains("empty file", Assert.Throws<InvalidDataException>(() => Read([])).Message);

    [Fact]
    public void Aedat2_truncated_event_is_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(Concat(V2Header, V2Body[..13])));
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("5 of 8 bytes", ex.Message);
    }

    [Fact]
    public void Aedat2_address_outside_a_smaller_sensor_is_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(Concat(V2Header, V2Body), new AedatReadOptions { Width = 100 }));
        Assert.Contains("x=127", ex.Message);
        Assert.Contains("outside", ex.Message);
    }

    [Fact]
    public void Aedat31_without_end_header_is_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(Ascii("#!AER-DAT3.1\r\n#Format: RAW\r\n")));
        Assert.Contains("END-HEADER", ex.Message);
    }

    [Fact]
    public void Aedat31_truncated_packet_header_and_body_are_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(Concat(V31Header, PolarityPacket[..10])));
        Assert.Contains("truncated packet header", ex.Message);
        ex = Assert.Throws<InvalidDataException>(() => Read(Concat(V31Header, PolarityPacket[..^4])));
        Assert.Contains("truncated packet", ex.Message);
        ex = Assert.Throws<InvalidDataException>(() => Read(Concat(V31Header, SpecialPacket[..^2])));
        Assert.Contains("truncated packet", ex.Message);
    }

    [Fact]
    public void Aedat31_out_of_range_address_is_rejected()
    {
        var packet = (byte[])PolarityPacket.Clone();
        // x = 200: data = (200 << 17) | 3 = 0x01900003 -> 03 00 90 01
        packet[28] = 0x03; packet[29] = 0x00; packet[30] = 0x90; packet[31] = 0x01;
        var ex = Assert.Throws<InvalidDataException>(() => Read(Concat(V31Header, packet)));
        Assert.Contains("x=200", ex.Message);
    }

    [Fact]
    public void Aedat31_corrupt_packet_header_is_rejected()
    {
        var packet = (byte[])PolarityPacket.Clone();
        packet[24] = 0x05; // eventValid 5 > eventNumber 2
        Assert.Contains("corrupt packet header", Assert.Throws<InvalidDataException>(() => Read(Concat(V31Header, packet))).Message);
    }

    [Fact]
    public void Bad_options_are_rejected() =>
        Assert.Throws<ArgumentException>(() => Read(Concat(V2Header, V2Body), new AedatReadOptions { Width = 0 }));
}
