using System.Buffers.Binary;
using System.CommandLine;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using MtSnn.Cli.Commands;
using MtSnn.Cli.Training;
using MtSnn.Data;
using MtSnn.Data.Neuromorphic;
using MtSnn.Export;
using MtSnn.Runtime;
using MtSnn.Tests.Training;
using MtSnn.Training;
using SkiaSharp;

namespace MtSnn.Tests.Reliability.Fuzz;

/// <summary>Every reader MtSnn has, as a <see cref="FuzzTarget"/> with small valid seed files made here.</summary>
public static class FuzzTargets
{
    /// <summary>All targets. Makes a checkpoint and a .mtsnn model of an untrained digits-cnn (TorchSharp) for their seeds.</summary>
    public static IReadOnlyList<FuzzTarget> All()
    {
        byte[] checkpoint, model;
        using (var trainer = new Trainer(TrainingFixtures.Tiny(epochs: 1, maxBatches: 1)))
        {
            using var ms = new MemoryStream();
            CheckpointFile.Write(ms, trainer.CurrentCheckpoint());
            checkpoint = ms.ToArray();
            model = ModelExporter.Export(trainer.Model, 2).ToBytes();
        }
        (int, int, bool)[] idxFields = [(0, 4, true), (4, 4, true), (8, 4, true), (12, 4, true)];
        byte[] images = Idx(0x803, [3, 4, 4], [.. Enumerable.Range(0, 48).Select(i => (byte)(i * 5))]);
        byte[] labels = Idx(0x801, [3], [1, 2, 3]);
        return
        [
            new("idx-raw", [images, labels], idxFields, (b, f) => ReadIdx(b, f)),
            new("idx-gzip", [images, labels], idxFields, (b, f) => ReadIdx(Gzip(b, corrupt: b.Length % 7 == 0), f)),
            new("cifar-binary", [Cifar(2), Cifar(1)], [(0, 1, true), (3073, 1, true)], (b, f) =>
            {
                File.WriteAllBytes(f, b);
                CifarReader.ReadCifar10("fuzz", [f]);
            }),
            new("image-png", [Png()], [(8, 4, true), (16, 4, true), (20, 4, true)], (b, f) => Decode(b, f)),
            new("image-jpeg", [Jpeg()], [(4, 2, true), (20, 2, true)], (b, f) => Decode(b, f)),
            new("nmnist-bin", [NMnistBin.Encode(new EventStream(34, 34, [1, 2, 33], [0, 5, 33], [0, 10, 500], [true, false, true]))], [], (b, _) =>
                NMnistBin.Read(new MemoryStream(b), 34, 34, "fuzz")),
            new("aedat-2.0", [Aedat2()], [(25, 4, true), (29, 4, true)], (b, _) => AedatReader.Read(new MemoryStream(b), null, "fuzz")),
            new("aedat-3.1", [Aedat31()], [(28, 2, false), (32, 4, false), (44, 4, false), (48, 4, false)], (b, _) => AedatReader.Read(new MemoryStream(b), null, "fuzz")),
            new("dvs-gesture-labels", ["class,startTime_usec,endTime_usec\n1,100,200\n11,300,900\n"u8.ToArray()], [], (b, _) =>
                DvsGesture.ReadLabels(new StreamReader(new MemoryStream(b)), "fuzz")),
            new("checkpoint", [checkpoint], [(8, 8, false), (12, 4, false)], (b, f) =>
            {
                File.WriteAllBytes(f, b);
                CheckpointFile.Load(f);
            }, Reseal: b => b.Length < 40 ? b : [.. b.AsSpan(0, b.Length - 32), .. SHA256.HashData(b.AsSpan(0, b.Length - 32))]),
            new("torch-pth", [TorchPickle()], [], (b, f) => TorchPth(b, f)),
            new("mtsnn-model", [model], [(0, 8, false), (4, 4, false)], (b, _) => MtSnnModel.Load(b)),
            new("config-json", [Encoding.UTF8.GetBytes(TrainingFixtures.Tiny().ToJsonString())], [], (b, f) => Config(b, f)),
            new("playground-input", ["x\n0.5\n1.25\n-3e-2\n\n"u8.ToArray(), "1\n2\n"u8.ToArray()], [], (b, _) =>
                CurrentFile.Read(new StreamReader(new MemoryStream(b)), "stdin")),
        ];
    }

    private static string TorchFixture => Path.Combine(MtSnn.Tests.TestSupport.Repo.Root, "tests", "fixtures", "torch", "tensors.pth");

    /// <summary>The pickle of the dtypes-and-layouts fixture (written by PyTorch): the part of a .pth the mutations should reach.</summary>
    private static byte[] TorchPickle()
    {
        using var zip = ZipFile.OpenRead(TorchFixture);
        var e = zip.Entries.Single(x => x.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
        using var s = e.Open();
        var bytes = new byte[e.Length];
        s.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The fixture's archive with the mutated pickle in place of its own (the zip's CRCs stay valid), read as a .pth.</summary>
    private static void TorchPth(byte[] pickle, string f)
    {
        File.Delete(f);
        using (var src = ZipFile.OpenRead(TorchFixture))
        using (var dst = ZipFile.Open(f, ZipArchiveMode.Create))
        {
            foreach (var e in src.Entries)
            {
                using var o = dst.CreateEntry(e.FullName, CompressionLevel.NoCompression).Open();
                if (e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)) o.Write(pickle);
                else { using var i = e.Open(); i.CopyTo(o); }
            }
        }
        MtSnn.Interop.Torch.TorchStateDict.Read(f);
    }

    private static void ReadIdx(byte[] b, string f)
    {
        File.WriteAllBytes(f, b);
        if (b.Length > 3 && b[3] == 1) IdxReader.ReadLabels(f);
        else IdxReader.ReadImages(f);
    }

    private static byte[] Gzip(byte[] raw, bool corrupt)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        var bytes = ms.ToArray();
        if (corrupt && bytes.Length > 12) bytes[bytes.Length / 2] ^= 0x5A;
        return bytes;
    }

    private static void Decode(byte[] b, string f)
    {
        File.WriteAllBytes(f, b);
        ImageFolderDataset.CheckSignature(f);   // what opening the folder checks, then what reading the sample does
        ImageFolderDataset.Decode(f, 8, new float[3 * 8 * 8]);
    }

    private static void Config(byte[] b, string f)
    {
        File.WriteAllBytes(f, b);
        var options = new TrainCliOptions();
        var cmd = new Command("train");
        options.AddTo(cmd);
        options.Build(options.WithConfig(cmd, cmd.Parse(["--config", f])));
    }

    /// <summary>An IDX file: big-endian magic, dimensions, then the data bytes.</summary>
    internal static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    private static byte[] Cifar(int records) => [.. Enumerable.Range(0, records).SelectMany(r => new[] { (byte)(r % 10) }.Concat(Enumerable.Range(0, 3072).Select(i => (byte)(i * 7 + r))))];

    internal static byte[] Png() => PngEncoder.EncodeRgb(4, 4, [.. Enumerable.Range(0, 48).Select(i => (byte)(i * 5))]);

    private static byte[] Jpeg()
    {
        using var bitmap = new SKBitmap(8, 8);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) bitmap.SetPixel(x, y, new SKColor((byte)(x * 30), (byte)(y * 30), 90));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    }

    /// <summary>AEDAT 2.0: header lines, then 8-byte big-endian events (address, timestamp); DVS128 address bits.</summary>
    internal static byte[] Aedat2()
    {
        var header = "#!AER-DAT2.0\r\n# fuzz seed\r\n"u8.ToArray();
        var body = new byte[3 * 8];
        for (int i = 0; i < 3; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(8 * i), (uint)((i * 3) << 8 | (i * 5) << 1 | (i & 1)));
            BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(8 * i + 4), (uint)(100 * i));
        }
        return [.. header, .. body];
    }

    /// <summary>AEDAT 3.1: header ending in #!END-HEADER, then one polarity packet (28-byte header, 8-byte events).</summary>
    private static byte[] Aedat31()
    {
        var header = "#!AER-DAT3.1\r\n#!END-HEADER\r\n"u8.ToArray();
        var packet = new byte[28 + 2 * 8];
        BinaryPrimitives.WriteInt16LittleEndian(packet, 1);
        BinaryPrimitives.WriteInt32LittleEndian(packet.AsSpan(4), 8);
        BinaryPrimitives.WriteInt32LittleEndian(packet.AsSpan(16), 2);
        BinaryPrimitives.WriteInt32LittleEndian(packet.AsSpan(20), 2);
        BinaryPrimitives.WriteInt32LittleEndian(packet.AsSpan(24), 2);
        for (int i = 0; i < 2; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(28 + 8 * i), (uint)((10 + i) << 17 | (20 + i) << 2 | 1 << 1 | 1));
            BinaryPrimitives.WriteInt32LittleEndian(packet.AsSpan(28 + 8 * i + 4), 1000 * (i + 1));
        }
        return [.. header, .. packet];
    }
}
