using MtSnn.Data.Neuromorphic;
using Xunit;
using static MtSnn.Tests.Neuromorphic.Bytes;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Neuromorphic;

public class DvsGestureTests
{
    private static IReadOnlyList<GestureInterval> Labels(string csv) => DvsGesture.ReadLabels(new StringReader(csv), "user01_fluorescent_labels.csv");

    [Fact]
    public void Parses_labels_and_makes_labels_zero_based()
    {
        var l = Labels("class,startTime_usec,endTime_usec\r\n1,80048239,85092709\r\n11,85092709,90000000\r\n");
        Assert.Equal(2, l.Count);
        Assert.Equal(new GestureInterval(1, 80048239, 85092709), l[0]);
        Assert.Equal(0, l[0].Label);
        Assert.Equal(10, l[1].Label);
        Assert.Equal("other_gestures", DvsGesture.ClassNames[l[1].Label]);
    }

    [Theory]
    [InlineData("cls,start,end\n1,0,10\n", "header")]
    [InlineData("class,startTime_usec,endTime_usec\n12,0,10\n", "outside 1..11")]
    [InlineData("class,startTime_usec,endTime_usec\n0,0,10\n", "outside 1..11")]
    [InlineData("class,startTime_usec,endTime_usec\n3,10,10\n", "start < end")]
    [InlineData("class,startTime_usec,endTime_usec\n3,ten,20\n", "integer")]
    [InlineData("class,startTime_usec,endTime_usec\n3,10\n", "integer")]
    [InlineData("", "header")]
    public void Bad_labels_are_rejected(string csv, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Labels(csv));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("user01_fluorescent_labels.csv", ex.Message);
    }

    [Fact]
    public void Segments_take_events_in_start_inclusive_end_exclusive()
    {
        using var dir = new TempDir();
        // AEDAT 3.1 with one polarity packet of 4 valid ON events at (x = i, y = 0), t = 10, 20, 30, 40.
        var header = Ascii("#!AER-DAT3.1\r\n#!END-HEADER\r\n");
        byte[] packet = [0x01, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0x04, 0, 0, 0, 0x04, 0, 0, 0];
        var body = new List<byte>();
        for (int i = 0; i < 4; i++)
        {
            uint data = (uint)i << 17 | 0b11; // valid, ON, y = 0
            body.AddRange(BitConverter.GetBytes(data));
            body.AddRange(BitConverter.GetBytes(10 * (i + 1)));
        }
        File.WriteAllBytes(dir.File("user01_led.aedat"), Concat(header, packet, [.. body]));
        File.WriteAllText(dir.File("user01_led_labels.csv"), "class,startTime_usec,endTime_usec\n3,10,30\n11,30,41\n");

        Assert.Equal(dir.File("user01_led_labels.csv"), DvsGesture.LabelsPathFor(dir.File("user01_led.aedat")));
        var segments = DvsGesture.ReadSegments(dir.File("user01_led.aedat"));
        Assert.Equal(2, segments.Count);
        Assert.Equal(2, segments[0].Label);
        Assert.Equal([10L, 20L], segments[0].Events.T.ToArray());
        Assert.Equal(10, segments[1].Label);
        Assert.Equal([30L, 40L], segments[1].Events.T.ToArray());
        Assert.Equal([2, 3], segments[1].Events.X.ToArray().Select(v => (int)v));
    }
}
