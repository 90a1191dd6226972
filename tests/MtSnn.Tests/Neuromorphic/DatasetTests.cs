using MtSnn.Data.Neuromorphic;
using Xunit;
using static MtSnn.Tests.Neuromorphic.Bytes;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Neuromorphic;

public class DatasetTests
{
    private static float[] Bar(int column)
    {
        var img = new float[28 * 28];
        for (int y = 4; y < 24; y++) img[y * 28 + column] = 1f;
        return img;
    }

    [Fact]
    public void Export_writes_nmnist_layout_with_a_limit_and_the_folder_reads_it_back()
    {
        using var dir = new TempDir();
        var o = new EmulatorOptions { StepMilliseconds = 2 };
        EmulatorSample[] samples =
        [
            new(Bar(10), 28, 28, 1, "train"),
            new(Bar(14), 28, 28, 2, "train"),
            new(Bar(18), 28, 28, 1, "train"), // over the limit of 2 per split
            new(Bar(12), 28, 28, 0, "test"),
        ];
        var summary = NMnistExporter.Export(samples, dir.Path, o, seed: 9, limitPerSplit: 2);
        Assert.Equal(new ExportSummary(3, 0), summary);
        Assert.True(File.Exists(Path.Combine(dir.Path, "train", "1", "00000.bin")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "train", "2", "00001.bin")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "test", "0", "00000.bin")));
        Assert.Equal(3, Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories).Count()); // no temp files left

        var train = new NMnistFolder(dir.Path, train: true);
        Assert.Equal(2, train.Count);
        Assert.Equal(3, train.ClassCount);
        Assert.Equal([1, 2], new[] { train.LabelOf(0), train.LabelOf(1) });
        var expected = EventEmulator.Emulate(Bar(14), 28, 28, o, NMnistExporter.SampleSeed(9, 0, 1));
        var read = train.ReadEvents(1);
        Assert.Equal(expected.T.ToArray(), read.T.ToArray());
        Assert.Equal(expected.X.ToArray(), read.X.ToArray());
        Assert.Equal(expected.P.ToArray(), read.P.ToArray());

        var (frames, label) = train.GetFrames(1, new FrameOptions { Frames = 4 });
        Assert.Equal(2, label);
        Assert.Equal([4L, 2, 34, 34], frames.Shape);
        Assert.Equal(expected.Count, frames.Sum());

        Assert.Equal(new ExportSummary(0, 3), NMnistExporter.Export(samples, dir.Path, o, seed: 9, limitPerSplit: 2));
        Assert.Equal(1, new NMnistFolder(dir.Path, train: false).Count);
    }

    [Fact]
    public void Export_rejects_a_bad_split_and_the_folder_a_bad_layout()
    {
        using var dir = new TempDir();
        Assert.Contains("'train' or 'test'", Assert.Throws<ArgumentException>(() =>
            NMnistExporter.Export([new EmulatorSample(Bar(3), 28, 28, 0, "val")], dir.Path, new EmulatorOptions(), 0)).Message);
        var bad = new float[28 * 28];
        bad[5] = 2f;
        Assert.Contains("allowed [0, 1]", Assert.Throws<ArgumentException>(() =>
            NMnistExporter.Export([new EmulatorSample(bad, 28, 28, 0, "train")], dir.Path, new EmulatorOptions(), 0)).Message);
        Assert.Throws<DirectoryNotFoundException>(() => new NMnistFolder(dir.Path, train: true));
        Directory.CreateDirectory(Path.Combine(dir.Path, "Train", "seven"));
        Assert.Contains("integers", Assert.Throws<InvalidDataException>(() => new NMnistFolder(dir.Path, train: true)).Message);
    }

    [Fact]
    public void Sample_seeds_differ_between_samples_and_splits()
    {
        var seeds = new HashSet<int>();
        for (int s = 0; s < 2; s++) for (int k = 0; k < 1000; k++) seeds.Add(NMnistExporter.SampleSeed(1, s, k));
        Assert.Equal(2000, seeds.Count);
        Assert.Equal(NMnistExporter.SampleSeed(1, 0, 5), NMnistExporter.SampleSeed(1, 0, 5));
    }

    [Fact]
    public void Cifar10dvs_folder_splits_each_class_in_ordinal_name_order()
    {
        using var dir = new TempDir();
        // one AEDAT 2.0 event per file: a = 0x00000AF4 (ON, xr = 122, yr = 10), t = 1000
        var file = Concat(Ascii("#!AER-DAT2.0\r\n"), [0x00, 0x00, 0x0A, 0xF4, 0x00, 0x00, 0x03, 0xE8]);
        foreach (string cls in Cifar10DvsFolder.ClassNames)
        {
            Directory.CreateDirectory(Path.Combine(dir.Path, cls));
            foreach (string n in new[] { "0", "2", "10" })
                File.WriteAllBytes(Path.Combine(dir.Path, cls, $"cifar10_{cls}_{n}.aedat"), file);
        }
        // ordinal order: _0, _10, _2; cut at ceil(3 * 0.5) = 2 -> train _0, _10; test _2
        var train = new Cifar10DvsFolder(dir.Path, train: true, trainFraction: 0.5);
        var test = new Cifar10DvsFolder(dir.Path, train: false, trainFraction: 0.5);
        Assert.Equal(20, train.Count);
        Assert.Equal(10, test.Count);
        Assert.EndsWith("cifar10_airplane_10.aedat", train.PathOf(1));
        Assert.EndsWith("cifar10_truck_2.aedat", test.PathOf(9));
        Assert.Equal(9, test.LabelOf(9));
        var e = test.ReadEvents(0);
        // SpikingJelly layout: x = 127 - yr = 117, y = 127 - xr = 5, ON
        Assert.Equal((117, 5, 1000L, true), ((int)e.X[0], (int)e.Y[0], e.T[0], e.P[0]));
        Assert.Equal(900, (int)Math.Ceiling(1000 * 0.9)); // the documented default split of 1000 files per class

        Directory.Delete(Path.Combine(dir.Path, "ship"), recursive: true);
        Assert.Contains("'ship'", Assert.Throws<DirectoryNotFoundException>(() => new Cifar10DvsFolder(dir.Path, true)).Message);
    }
}
