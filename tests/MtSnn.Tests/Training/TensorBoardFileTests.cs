using System.Buffers.Binary;
using System.Text;
using MtSnn.Neurons;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Training;

/// <summary>
/// The TensorBoard event file a run writes, decoded from its bytes: TFRecord frames with masked CRC-32C (computed here
/// bit by bit by TfRecordFrames, independently of the writer's hardware CRC), the Event protobuf's fields, Unix wall times, and the
/// scalars and histograms per epoch.
/// </summary>
[Collection(TrainingCollection.Name)]
public class TensorBoardFileTests
{
    public TensorBoardFileTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float? Scalar, double[]? HistoCounts, double HistoNum)> Values);

    [Fact]
    public void Every_event_has_a_unix_wall_time_and_each_epoch_has_scalars_and_histograms()
    {
        using var tmp = new TempDir();
        double before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - 1;
        var config = new TrainConfig
        {
            Dataset = "digits", Model = "digits-cnn", T = 2, Epochs = 2, MaxBatches = 2, Workers = 1,
            Neuron = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 2 },
        };
        using (var trainer = new Trainer(config, tmp.Path)) trainer.Run();
        double after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 + 1;

        string file = Assert.Single(Directory.GetFiles(tmp["tb"], "events.out.tfevents.*"));
        var events = TfRecordFrames.Read(File.ReadAllBytes(file)).Select(Decode).ToList();
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.All(events, e => Assert.InRange(e.WallTime, before, after));
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            var values = events.Where(e => e.Step == epoch).SelectMany(e => e.Values).ToList();
            Assert.Contains(values, v => v.Tag == "accuracy/test" && v.Scalar is >= 0 and <= 1);
            Assert.Contains(values, v => v.Tag == "firing_rate/features.1/level2" && v.Scalar is >= 0 and <= 1);
            var w = values.First(v => v.Tag.StartsWith("weights/features.0.", StringComparison.Ordinal) && v.HistoNum == 32 * 9);
            Assert.Equal(32 * 1 * 3 * 3, w.HistoNum);           // conv 1 -> 32, 3x3
            Assert.Equal(w.HistoNum, w.HistoCounts!.Sum());     // every weight is in a bucket
            Assert.Contains(values, v => v.Tag == "gradients/" + w.Tag["weights/".Length..] && v.HistoNum == 32 * 9);
            var rates = Assert.Single(values, v => v.Tag == "firing_rate_per_neuron/features.1/level1");
            Assert.Equal(32 * 8 * 8, rates.HistoNum);           // one rate per neuron of the first spiking layer (32 x 8 x 8)
        }
    }

    /// <summary>Protobuf fields of one message: (field number, wire type, varint or fixed value, length-delimited bytes).</summary>
    private static IEnumerable<(int Field, int Type, ulong Number, byte[]? Bytes)> Fields(byte[] m)
    {
        int i = 0;
        ulong Varint() { ulong v = 0; int shift = 0; byte b; do { b = m[i++]; v |= (ulong)(b & 0x7F) << shift; shift += 7; } while ((b & 0x80) != 0); return v; }
        while (i < m.Length)
        {
            ulong key = Varint();
            int field = (int)(key >> 3), type = (int)(key & 7);
            switch (type)
            {
                case 0: yield return (field, type, Varint(), null); break;
                case 1: { ulong v = BinaryPrimitives.ReadUInt64LittleEndian(m.AsSpan(i)); i += 8; yield return (field, type, v, null); break; }
                case 5: { ulong v = BinaryPrimitives.ReadUInt32LittleEndian(m.AsSpan(i)); i += 4; yield return (field, type, v, null); break; }
                case 2: { int len = (int)Varint(); var b = m.AsSpan(i, len).ToArray(); i += len; yield return (field, type, 0, b); break; }
                default: throw new InvalidDataException($"wire type {type}");
            }
        }
    }

    private static Event Decode(byte[] record)
    {
        double wall = double.NaN; long step = 0; string? version = null;
        var values = new List<(string, float?, double[]?, double)>();
        foreach (var f in Fields(record))
        {
            if (f.Field == 1 && f.Type == 1) wall = BitConverter.UInt64BitsToDouble(f.Number);
            else if (f.Field == 2 && f.Type == 0) step = (long)f.Number;
            else if (f.Field == 3 && f.Type == 2) version = Encoding.UTF8.GetString(f.Bytes!);
            else if (f.Field == 5 && f.Type == 2)
                foreach (var v in Fields(f.Bytes!).Where(v => v.Field == 1))
                {
                    string tag = ""; float? scalar = null; double[]? counts = null; double num = 0;
                    foreach (var g in Fields(v.Bytes!))
                    {
                        if (g.Field == 1) tag = Encoding.UTF8.GetString(g.Bytes!);
                        else if (g.Field == 2 && g.Type == 5) scalar = BitConverter.UInt32BitsToSingle((uint)g.Number);
                        else if (g.Field == 5)
                            foreach (var h in Fields(g.Bytes!))
                            {
                                if (h.Field == 3) num = BitConverter.UInt64BitsToDouble(h.Number);
                                if (h.Field == 7) counts = [.. Enumerable.Range(0, h.Bytes!.Length / 8).Select(k => BinaryPrimitives.ReadDoubleLittleEndian(h.Bytes.AsSpan(k * 8)))];
                            }
                    }
                    values.Add((tag, scalar, counts, num));
                }
            else throw new InvalidDataException($"unexpected Event field {f.Field} (wire type {f.Type})");
        }
        return new Event(wall, step, version, values);
    }
}
