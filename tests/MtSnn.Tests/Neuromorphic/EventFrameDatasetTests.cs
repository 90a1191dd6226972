using MtSnn.Data.Neuromorphic;
using Xunit;
using MtSnn.Tests.TestSupport;

namespace MtSnn.Tests.Neuromorphic;

public class EventFrameDatasetTests
{
    [Fact]
    public void Frames_are_delivered_flat_frame_major_with_the_label()
    {
        using var dir = new TempDir();
        // Two events of one recording: ON at (x=1, y=2, t=0), OFF at (x=3, y=0, t=10); label 7.
        var b = new EventStreamBuilder(4, 4);
        b.Add(1, 2, 0, true);
        b.Add(3, 0, 10, false);
        Directory.CreateDirectory(Path.Combine(dir.Path, "test", "7"));
        NMnistBin.Write(Path.Combine(dir.Path, "test", "7", "00000.bin"), b.ToStream());
        var folder = new NMnistFolder(dir.Path, train: false, width: 4, height: 4);
        var ds = new EventFrameDataset("t", folder, new FrameOptions { Frames = 2, Split = FrameSplit.Number });

        Assert.Equal(2, ds.Steps);
        Assert.Equal(new MtSnn.Data.ImageShape(2, 4, 4), ds.FrameShape);
        Assert.Equal(new MtSnn.Data.ImageShape(4, 4, 4), ds.Shape);
        var flat = new float[ds.Shape.Size];
        ds.Get(0, flat, out int label);
        Assert.Equal(7, label);
        // By count, T = 2 of 2 events: frame 0 holds the ON event, frame 1 the OFF event.
        // Layout [t, c, y, x] with c = 0 OFF, 1 ON: ON at t=0 -> index ((0*2+1)*4+2)*4+1; OFF at t=1 -> ((1*2+0)*4+0)*4+3.
        Assert.Equal(1f, flat[((0 * 2 + 1) * 4 + 2) * 4 + 1]);
        Assert.Equal(1f, flat[((1 * 2 + 0) * 4 + 0) * 4 + 3]);
        Assert.Equal(2f, flat.Sum());
    }

    [Fact]
    public void Unknown_names_and_missing_folders_are_clear_errors()
    {
        Assert.Contains("allowed: cifar10-dvs, nmnist", Assert.Throws<ArgumentException>(() => EventFrameDataset.Open("dvs-gesture", "/tmp", true, 4)).Message);
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => EventFrameDataset.Open("nmnist", "/nonexistent/x", true, 4)).Message);
    }
}
