using System.CommandLine;
using MtSnn.Data;
using MtSnn.Data.Neuromorphic;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn dvs-emulate</c>: turns a static image data set into event streams the way N-MNIST was recorded
/// (three saccade sweeps of an event sensor, see <see cref="EventEmulator"/>), written as N-MNIST <c>.bin</c>
/// files in <c>DIR/{train,test}/{label}/NNNNN.bin</c>, plus <c>DIR/preview.png</c> with event frames of a few samples.
/// </summary>
public static class DvsEmulateCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Source images: digits | fashion-mnist | mnist.", Required = true };
        dataset.AcceptOnlyFromAmong("digits", "fashion-mnist", "mnist");
        var data = new Option<string?>("--data") { Description = "Folder of the source data set (see mtsnn train --help)." };
        var outDir = new Option<string>("--out") { Description = "Output folder.", Required = true };
        var limit = new Option<int?>("--limit") { Description = "At most N samples per split (train and test)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the emulator (sensor mismatch and noise).", DefaultValueFactory = _ => 1 };
        var cmd = new Command("dvs-emulate", "Emulate an event camera viewing a static image data set; write N-MNIST .bin files and a preview PNG.");
        foreach (Option o in new Option[] { dataset, data, outDir, limit, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string name = p.GetValue(dataset)!;
            string dir = p.GetValue(outDir)!;
            int? lim = p.GetValue(limit);
            if (lim is < 1) throw new ArgumentException($"--limit must be >= 1 (got {lim})");
            var train = DataSets.Open(name, p.GetValue(data), DatasetSplit.Train);
            var test = DataSets.Open(name, p.GetValue(data), DatasetSplit.Test);
            // 8x8 digits are drawn 3x larger (24 px) on the 34x34 sensor; 28x28 images 1:1, as N-MNIST.
            var options = new EmulatorOptions { Scale = train.Shape.Height <= 8 ? 3 : 1 };
            var o = p.InvocationConfiguration.Output;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var summary = NMnistExporter.Export(Samples(train, "train").Concat(Samples(test, "test")), dir, options, p.GetValue(seed),
                                                limitPerSplit: lim ?? int.MaxValue);
            string preview = Path.Combine(dir, "preview.png");
            WritePreview(preview, dir);
            o.WriteLine($"wrote {summary.Written} event files ({summary.Skipped} already present) to {dir} in {sw.Elapsed.TotalSeconds:F1} s; preview: {preview}");
            return 0;
        });
        return cmd;
    }

    private static IEnumerable<EmulatorSample> Samples(IImageDataset ds, string split)
    {
        if (ds.Shape.Channels != 1) throw new ArgumentException($"dvs-emulate needs grey images (got {ds.Shape.Channels} channels)");
        for (int i = 0; i < ds.Count; i++)
        {
            var pixels = new float[ds.Shape.Size];
            ds.Get(i, pixels, out int label);
            yield return new EmulatorSample(pixels, ds.Shape.Height, ds.Shape.Width, label, split);
        }
    }

    /// <summary>Ten frames of the first test sample, with axes, a title and the polarity legend (<see cref="Plots.DvsPreviewPlot"/>).</summary>
    private static void WritePreview(string path, string dir)
    {
        var folder = new NMnistFolder(dir, train: false);
        if (folder.Count == 0) return;
        var sample = folder.GetFrames(0, new FrameOptions { Frames = 10 });
        Plots.DvsPreviewPlot.Save(path, sample.Frames, $"first test sample (label {sample.Label}), 10 time bins");
    }
}
