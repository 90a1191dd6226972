using System.Text;
using System.Text.Json.Nodes;
using MtSnn.Data.Neuromorphic;
using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using MtSnn.Training;

namespace MtSnn.Tests.Reliability;

/// <summary>
/// The broken inputs of the bad-input catalogue, written once: data folders with a bad file each, checkpoints with
/// edited headers (checksums re-sealed), config files of the wrong JSON kinds, playground inputs.
/// </summary>
public sealed class BadInputFiles : IDisposable
{
    public TempDir Dir { get; } = new();

    public string this[string relative] => Dir[relative];

    /// <summary>The sections of a valid untrained digits-cnn checkpoint (cascade K = 2, T = 2).</summary>
    public (JsonObject Header, byte[] Model, byte[] Optimizer) Checkpoint { get; }

    public BadInputFiles()
    {
        MtSnn.Native.TorchRuntime.EnsureInitialized();
        using (var trainer = new Trainer(TrainingFixtures.Tiny(epochs: 1, maxBatches: 1)))
        {
            CheckpointFile.Save(Dir["good.ckpt"], trainer.CurrentCheckpoint());
            MtSnn.Export.ModelExporter.Export(trainer.Model, 2).Write(Dir["good.mtsnn"]);
        }
        Checkpoint = CheckpointBytes.Split(File.ReadAllBytes(Dir["good.ckpt"]));
        Directory.CreateDirectory(Dir["empty"]);
        Directory.CreateDirectory(Dir["a-folder"]);
        File.WriteAllText(Dir["a-file"], "x");
        File.WriteAllBytes(Dir["garbage.bin"], [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 37))]);

        NMnist("nmnist-empty-bin", bin: []);
        NMnist("nmnist-truncated-bin", bin: [1, 2, 3, 4, 5, 6, 7]);
        NMnist("nmnist-bad-address", bin: [200, 1, 0, 0, 1]);
        NMnist("nmnist-bad-label", bin: [1, 1, 0, 0, 1], label: "seven");

        // CIFAR10-DVS with an AEDAT 2.0 file whose header never ends (header lines only)
        foreach (string c in Cifar10DvsFolder.ClassNames)
        {
            Directory.CreateDirectory(Dir[$"dvs-header-only/{c}"]);
            for (int i = 0; i < 10; i++)
                File.WriteAllBytes(Dir[$"dvs-header-only/{c}/{i}.aedat"], "#!AER-DAT2.0\r\n# only a header\r\n"u8.ToArray());
        }
        Directory.CreateDirectory(Dir["dvs-missing-class/airplane"]);
        // CIFAR10-DVS whose files are good but one in the test split (the last truck file) has no AEDAT header line
        foreach (string c in Cifar10DvsFolder.ClassNames)
        {
            Directory.CreateDirectory(Dir[$"dvs-bad-magic/{c}"]);
            for (int i = 0; i < 10; i++)
                File.WriteAllBytes(Dir[$"dvs-bad-magic/{c}/{i}.aedat"], c == "truck" && i == 9 ? "MTrk\u0000\u0001 not aedat"u8.ToArray() : Fuzz.FuzzTargets.Aedat2());
        }

        // image folders with good PNGs but one file that is not an image, and one PNG cut inside its header
        foreach (var (name, bad) in new[] { ("images-not-an-image", "GIF89a not a png"u8.ToArray()), ("images-png-cut", Fuzz.FuzzTargets.Png()[..12]) })
            foreach (string part in new[] { "train", "val" })
                foreach (string c in new[] { "cat", "dog" })
                {
                    Directory.CreateDirectory(Dir[$"{name}/{part}/{c}"]);
                    for (int i = 0; i < 2; i++)
                        File.WriteAllBytes(Dir[$"{name}/{part}/{c}/{i}.png"], part == "val" && c == "dog" && i == 1 ? bad : Fuzz.FuzzTargets.Png());
                }

        // MNIST: valid images, a label file whose count field says 2^31 - 16 (above .NET's largest array)
        Directory.CreateDirectory(Dir["mnist-huge-labels"]);
        foreach (string split in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Dir[$"mnist-huge-labels/{split}-images-idx3-ubyte"], Fuzz.FuzzTargets.Idx(0x803, [2, 28, 28], new byte[2 * 28 * 28]));
            File.WriteAllBytes(Dir[$"mnist-huge-labels/{split}-labels-idx1-ubyte"], Fuzz.FuzzTargets.Idx(0x801, [int.MaxValue - 16], [1, 2]));
        }
        Directory.CreateDirectory(Dir["mnist-truncated"]);
        foreach (string split in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Dir[$"mnist-truncated/{split}-images-idx3-ubyte"], Fuzz.FuzzTargets.Idx(0x803, [60000, 28, 28], new byte[100]));
            File.WriteAllBytes(Dir[$"mnist-truncated/{split}-labels-idx1-ubyte"], Fuzz.FuzzTargets.Idx(0x801, [2], [1, 2]));
        }

        Ckpt("ck-unknown-key", h => h["surprise"] = 1);
        Ckpt("ck-device-number", h => h["config"]!["device"] = 67108864);
        Ckpt("ck-encoding-array", h => h["config"]!["encoding"] = new JsonArray(-1));
        Ckpt("ck-epoch-negative", h => h["epoch"] = -1);
        Ckpt("ck-config-unknown", h => h["config"]!["colour"] = "red");
        Ckpt("ck-T-huge", h => h["config"]!["T"] = int.MaxValue);
        Ckpt("ck-other-model", h => h["config"]!["model"] = "plif-net");
        Ckpt("ck-control-names", h => h["state"]![0]!["name"] = "\u001b[2J\u0007evil\u00ff");
        Ckpt("ck-parallel-neurons", h => { h["config"]!["mode"] = "parallel"; h["config"]!["preset"] = "uniform"; });
        Ckpt("ck-mode-number", h => h["config"]!["mode"] = "3");
        Ckpt("ck-reset-negative", h => h["config"]!["reset"] = "-1");
        Ckpt("ck-weights-cut", _ => { }, model: Checkpoint.Model[..(Checkpoint.Model.Length / 2)]);
        byte[] good = File.ReadAllBytes(Dir["good.ckpt"]);
        File.WriteAllBytes(Dir["ck-truncated.ckpt"], good[..(good.Length - 100)]);
        var raw = Encoding.UTF8.GetBytes(Checkpoint.Header.ToJsonString());
        raw[raw.Length / 2] = 0xFF;
        File.WriteAllBytes(Dir["ck-invalid-utf8.ckpt"], CheckpointBytes.Seal(raw, Checkpoint.Model, Checkpoint.Optimizer));

        Directory.CreateDirectory(Dir["resume-folder-ckpt/last.ckpt"]);
        foreach (var (name, text) in new[]
        {
            ("lr-string", """{"lr":"0.1"}"""), ("T-null", """{"T":null}"""), ("T-fraction", """{"T":1.5}"""), ("unknown", """{"colour":"red"}"""),
            ("nesterov-string", """{"nesterov":"yes"}"""), ("array", "[1,2]"), ("broken", """{"lr": 0.1"""), ("epochs-object", """{"epochs":{"n":1}}"""),
            ("mode-number", """{"mode":"3"}"""), ("reset-negative", """{"reset":"-1"}"""),
        })
            File.WriteAllText(Dir[$"config-{name}.json"], text);
        File.WriteAllText(Dir["currents-nan.txt"], "0.5\nnan\n");
        File.WriteAllBytes(Dir["currents-control.txt"], "0.5\n\u001b[31mred\u0007\n"u8.ToArray());
    }

    private void NMnist(string name, byte[] bin, string label = "0")
    {
        foreach (string split in new[] { "train", "test" })
        {
            Directory.CreateDirectory(Dir[$"{name}/{split}/{label}"]);
            File.WriteAllBytes(Dir[$"{name}/{split}/{label}/00000.bin"], bin);
        }
    }

    private void Ckpt(string name, Action<JsonObject> edit, byte[]? model = null)
    {
        var header = (JsonObject)Checkpoint.Header.DeepClone();
        edit(header);
        File.WriteAllBytes(Dir[$"{name}.ckpt"], CheckpointBytes.Seal(header, model ?? Checkpoint.Model, Checkpoint.Optimizer));
    }

    public void Dispose() => Dir.Dispose();
}
