using System.Buffers.Binary;

namespace MtSnn.Training.TensorBoard;

/// <summary>
/// The protobuf messages of a TensorBoard event file, encoded by hand (tensorflow/core/util/event.proto and
/// framework/summary.proto): <c>Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }</c>,
/// <c>Summary { repeated Value value = 1; }</c>, <c>Value { string tag = 1; float simple_value = 2; HistogramProto histo = 5; }</c>,
/// <c>HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5; repeated double bucket_limit = 6 [packed], bucket = 7 [packed]; }</c>.
/// </summary>
public static class EventProto
{
    /// <summary>An event carrying only the file version (<c>brain.Event:2</c>), the first record of every file.</summary>
    public static byte[] FileVersion(double wallTime)
    {
        var w = new ProtoWriter();
        w.Double(1, wallTime);
        w.String(3, "brain.Event:2");
        return w.ToArray();
    }

    /// <summary>An event with one scalar.</summary>
    public static byte[] Scalar(double wallTime, long step, string tag, float value)
    {
        var v = new ProtoWriter();
        v.String(1, tag);
        v.Float(2, value);
        return SummaryEvent(wallTime, step, v);
    }

    /// <summary>An event with one histogram.</summary>
    public static byte[] Histogram(double wallTime, long step, string tag, HistogramData h)
    {
        var histo = new ProtoWriter();
        histo.Double(1, h.Min);
        histo.Double(2, h.Max);
        histo.Double(3, h.Count);
        histo.Double(4, h.Sum);
        histo.Double(5, h.SumSquares);
        histo.PackedDoubles(6, h.BucketLimits);
        histo.PackedDoubles(7, h.Buckets);
        var v = new ProtoWriter();
        v.String(1, tag);
        v.Message(5, histo);
        return SummaryEvent(wallTime, step, v);
    }

    private static byte[] SummaryEvent(double wallTime, long step, ProtoWriter value)
    {
        var summary = new ProtoWriter();
        summary.Message(1, value);
        var e = new ProtoWriter();
        e.Double(1, wallTime);
        e.Varint(2, (ulong)step);
        e.Message(5, summary);
        return e.ToArray();
    }

    /// <summary>Protobuf wire format: varint (type 0), 64-bit (1), length-delimited (2), 32-bit (5).</summary>
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _s = new();

        public byte[] ToArray() => _s.ToArray();

        private void Tag(int field, int wireType) => RawVarint((ulong)(field << 3 | wireType));

        private void RawVarint(ulong v)
        {
            while (v >= 0x80) { _s.WriteByte((byte)(v | 0x80)); v >>= 7; }
            _s.WriteByte((byte)v);
        }

        public void Varint(int field, ulong v) { Tag(field, 0); RawVarint(v); }

        public void Double(int field, double v)
        {
            Tag(field, 1);
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(b, v);
            _s.Write(b);
        }

        public void Float(int field, float v)
        {
            Tag(field, 5);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(b, v);
            _s.Write(b);
        }

        public void Bytes(int field, ReadOnlySpan<byte> bytes) { Tag(field, 2); RawVarint((ulong)bytes.Length); _s.Write(bytes); }

        public void String(int field, string s) => Bytes(field, System.Text.Encoding.UTF8.GetBytes(s));

        public void Message(int field, ProtoWriter m) => Bytes(field, m.ToArray());

        public void PackedDoubles(int field, IReadOnlyList<double> values)
        {
            var b = new byte[values.Count * 8];
            for (int i = 0; i < values.Count; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(i * 8), values[i]);
            Bytes(field, b);
        }
    }
}
