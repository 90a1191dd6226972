using System.Collections.Concurrent;
using System.Diagnostics;
using MtSnn.Cli;
using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using Xunit;
using Xunit.Abstractions;

namespace MtSnn.Tests.Reliability;

/// <summary>
/// The bad-input catalogue: every case runs the real CLI (a process each, <c>dotnet MtSnn.Cli.dll</c>) in its own empty
/// working folder and must end with exit code 2, exactly one stderr line starting <c>mtsnn: error:</c> (native runtime
/// notices aside), no stack trace, printable characters only, and the working folder still empty (no <c>out/</c>, no
/// <c>tb/</c>, no temporary file); the shared input folder must gain no file either.
/// </summary>
[Collection(TrainingCollection.Name)]
public class BadInputCatalogueTests(BadInputFiles files, ITestOutputHelper log) : IClassFixture<BadInputFiles>
{
    /// <summary>One catalogue entry: what it tries, the arguments, extra environment, stdin bytes.</summary>
    public sealed record Case(string Name, string[] Args, Dictionary<string, string>? Env = null, byte[]? Stdin = null)
    {
        /// <summary>Text the error line must hold (the issue's misleading-message cases: what it must name).</summary>
        public string[] Says { get; init; } = [];
        /// <summary>Text the error line must not hold (the misleading wording the issue found).</summary>
        public string[] NotSays { get; init; } = [];
    }

    /// <summary>Wording no error line may hold: the raw .NET/libtorch messages the issue reported.</summary>
    private static readonly string[] NeverSays = ["Could not find file", "Mismatched state_dict", "Required command was not provided", "Access to the path"];

    /// <summary><c>train</c> with <paramref name="extra"/>, plus a short run's --epochs 1 --max-batches 1 --workers 1 where not given, into out/.</summary>
    private static string[] Train(params string[] extra) =>
        ["train", .. new[] { ("--epochs", "1"), ("--max-batches", "1"), ("--workers", "1") }.Where(d => !extra.Contains(d.Item1)).SelectMany(d => new[] { d.Item1, d.Item2 }), "--out", "out", .. extra];

    private IEnumerable<Case> Cases()
    {
        string F(string p) => files[p];
        Dictionary<string, string> Env(string k, string v) => new() { [k] = v };
        yield return new("no command", []) { Says = ["no command given (allowed: "], NotSays = ["  "] };
        yield return new("unknown command", ["bogus"]) { Says = ["unknown command 'bogus' (allowed: "], NotSays = ["  "] };
        yield return new("unknown option", ["train", "--bogus"]);
        yield return new("T not an integer", Train("--T", "abc"));
        yield return new("T zero", Train("--T", "0"));
        yield return new("T int max", Train("-T", "2147483647"));
        yield return new("T above the engine's cap", Train("-T", "70000"));
        yield return new("epochs zero", Train("--epochs", "0"));
        yield return new("batch size zero", Train("--batch-size", "0"));
        yield return new("lr negative", Train("--lr", "-1"));
        yield return new("lr nan", Train("--lr", "nan"));
        yield return new("momentum 1", Train("--momentum", "1"));
        yield return new("unknown data set", Train("--dataset", "nope"));
        yield return new("unknown model", Train("--model", "nope"));
        yield return new("unknown mode", Train("--mode", "nope"));
        yield return new("levels zero", Train("--mode", "cascade", "--levels", "0"));
        yield return new("unknown optimizer", Train("--optimizer", "nope"));
        yield return new("unknown schedule", Train("--schedule", "nope"));
        yield return new("unknown loss", Train("--loss", "nope"));
        yield return new("unknown encoding", Train("--encoding", "nope"));
        yield return new("workers zero", Train("--workers", "0"));
        yield return new("unknown device", Train("--device", "nope"));
        yield return new("unknown surrogate", Train("--surrogate", "nope"));
        yield return new("thresholds ascending", Train("--mode", "cascade", "--levels", "2", "--thresholds", "0.5,1"));
        yield return new("tau below 1", Train("--tau", "0.5"));
        yield return new("label smoothing 1", Train("--label-smoothing", "1"));
        yield return new("out under /proc", ["train", "--epochs", "1", "--max-batches", "1", "--workers", "1", "--out", "/proc/mtsnn-x/out"]) { Says = ["/proc/mtsnn-x/out"] };
        yield return new("out is a file", ["train", "--epochs", "1", "--max-batches", "1", "--workers", "1", "--out", F("a-file")]);
        yield return new("config missing", Train("--config", "missing.json"));
        yield return new("config is a folder", Train("--config", F("a-folder"))) { Says = ["is a folder"], NotSays = ["does not exist"] };
        foreach (string c in new[] { "lr-string", "T-null", "T-fraction", "unknown", "nesterov-string", "array", "broken", "epochs-object", "mode-number", "reset-negative" })
            yield return new($"config {c}", Train("--config", F($"config-{c}.json")));
        yield return new("resume without out", ["train", "--resume"]);
        yield return new("resume with no checkpoint", ["train", "--resume", "--out", "out"]);
        yield return new("resume from a folder", ["train", "--resume", "--out", F("resume-folder-ckpt")]) { Says = ["is a folder"], NotSays = ["does not exist"] };
        yield return new("nmnist without data", Train("--dataset", "nmnist"));
        yield return new("nmnist data missing", Train("--dataset", "nmnist", "--data", "missing"));
        foreach (string n in new[] { "nmnist-empty-bin", "nmnist-truncated-bin", "nmnist-bad-address", "nmnist-bad-label" })
            yield return new(n, Train("--dataset", "nmnist", "--data", F(n), "--T", "2"));
        yield return new("cifar10-dvs header never ends", Train("--dataset", "cifar10-dvs", "--data", F("dvs-header-only"), "--T", "2"));
        yield return new("cifar10-dvs one test file without AEDAT header", Train("--dataset", "cifar10-dvs", "--data", F("dvs-bad-magic"), "--T", "2"));
        yield return new("imagefolder one val file not an image", Train("--dataset", "imagefolder", "--data", F("images-not-an-image")));
        yield return new("imagefolder one val PNG cut in its header", Train("--dataset", "imagefolder", "--data", F("images-png-cut")));
        yield return new("cifar10-dvs class missing", Train("--dataset", "cifar10-dvs", "--data", F("dvs-missing-class"), "--T", "2"));
        yield return new("mnist label count near 2^31", Train("--dataset", "mnist", "--data", F("mnist-huge-labels")));
        yield return new("mnist images truncated", Train("--dataset", "mnist", "--data", F("mnist-truncated")));
        yield return new("fashion-mnist empty folder", Train("--dataset", "fashion-mnist", "--data", F("empty")));
        yield return new("imagefolder empty folder", Train("--dataset", "imagefolder", "--data", F("empty")));
        yield return new("eval missing", ["eval", "missing.ckpt"]);
        yield return new("eval folder", ["eval", F("a-folder")]) { Says = ["is a folder"], NotSays = ["does not exist"] };
        yield return new("eval garbage", ["eval", F("garbage.bin")]);
        foreach (string c in new[] { "ck-truncated", "ck-invalid-utf8", "ck-unknown-key", "ck-device-number", "ck-encoding-array", "ck-epoch-negative",
                     "ck-config-unknown", "ck-T-huge", "ck-other-model", "ck-control-names", "ck-weights-cut", "ck-mode-number", "ck-reset-negative" })
            yield return new($"eval {c}", ["eval", F($"{c}.ckpt")]) { Says = c == "ck-other-model" ? [F("ck-other-model.ckpt"), "plif-net"] : [] };
        yield return new("resume another model's state", ["train", "--resume", "--out", "out"]) { Says = ["last.ckpt", "plif-net"] };
        yield return new("export missing", ["export", "missing.ckpt", "-o", "out/m.mtsnn"]);
        yield return new("export garbage", ["export", F("garbage.bin"), "-o", "out/m.mtsnn"]);
        yield return new("export another model's state", ["export", F("ck-other-model.ckpt"), "-o", "out/m.mtsnn"]) { Says = [F("ck-other-model.ckpt"), "plif-net"] };
        yield return new("infer missing", ["infer", "missing.mtsnn", "--dataset", "digits"]);
        yield return new("infer garbage", ["infer", F("garbage.bin"), "--dataset", "digits"]);
        yield return new("infer reference of other neurons", ["infer", F("good.mtsnn"), "--dataset", "digits", "--limit", "20", "--reference", F("ck-parallel-neurons.ckpt"), "--json", "out/i.json"]);
        yield return new("infer folder", ["infer", F("a-folder"), "--dataset", "digits"]) { Says = ["is a folder"], NotSays = ["does not exist"] };
        yield return new("energy missing", ["energy", "missing.ckpt", "--dataset", "digits", "--out", "out"]);
        yield return new("energy garbage checkpoint", ["energy", F("garbage.bin"), "--dataset", "digits", "--out", "out"]);
        yield return new("neuron input missing", ["neuron", "--input", "missing.txt"]);
        yield return new("neuron input folder", ["neuron", "--input", F("a-folder")]) { Says = ["is a folder"], NotSays = ["does not exist"] };
        yield return new("neuron nan current", ["neuron", "--input", F("currents-nan.txt"), "--csv", "out/t.csv"]);
        yield return new("neuron control bytes in file", ["neuron", "--input", F("currents-control.txt"), "--csv", "out/t.csv"]);
        yield return new("neuron control bytes on stdin", ["neuron", "--input", "-", "--csv", "out/t.csv"], Stdin: "0.5\n\u001b]0;title\u0007\u009b\n"u8.ToArray());
        yield return new("neuron invalid UTF-8 on stdin", ["neuron", "--input", "-", "--csv", "out/t.csv"], Stdin: [0x31, 0x0A, 0xFF, 0xFE, 0xC3, 0x0A]);
        yield return new("neuron empty stdin", ["neuron", "--input", "-", "--csv", "out/t.csv"], Stdin: []);
        yield return new("neuron levels zero", ["neuron", "--mode", "cascade", "--levels", "0", "--input", "-"], Stdin: "1\n"u8.ToArray());
        yield return new("dvs-emulate unknown data set", ["dvs-emulate", "--dataset", "nope", "--out", "out"]);
        yield return new("bench T zero", ["bench", "neuron", "--T", "0", "--json", "out/b.json"]);
        yield return new("neuron backend bogus", Train(), Env("MTSNN_NEURON_BACKEND", "bogus"));
        yield return new("vector bits bogus (doctor)", ["doctor"], Env("MTSNN_CPU_VECTOR_BITS", "7"));
        yield return new("cuda backward bogus", ["neuron", "--input", "-"], Env("MTSNN_CUDA_BACKWARD", "bogus"), "1\n"u8.ToArray());
        yield return new("malloc bogus (doctor)", ["doctor"], Env("MTSNN_MALLOC", "bogus"));
        yield return new("malloc cap bogus (doctor)", ["doctor"], Env("MTSNN_MALLOC_CAP", "lots"));
        yield return new("huge pages bogus", Train(), Env("MTSNN_HUGEPAGES", "maybe"));
    }

    [Fact]
    public void Every_bad_input_ends_with_one_error_line_exit_2_and_nothing_written()
    {
        var cases = Cases().ToList();
        Assert.True(cases.Count >= 60, $"the catalogue has {cases.Count} cases");
        var inputsBefore = Snapshot(files.Dir.Path);
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        using var work = new TempDir();
        Parallel.ForEach(cases.Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = 4 }, item =>
        {
            var (c, i) = item;
            string cwd = Directory.CreateDirectory(work[$"case{i:D3}"]).FullName;
            if (c.Name == "resume another model's state")
                File.Copy(files["ck-other-model.ckpt"], Path.Combine(Directory.CreateDirectory(Path.Combine(cwd, "out")).FullName, "last.ckpt"));
            var before = Snapshot(cwd);
            var r = CliProcess.Run(c.Args, cwd, c.Env, c.Stdin);
            string? why = Problem(r, before, Snapshot(cwd)) ?? Wording(c, r.ErrorLines[0]);
            if (why is not null) failures.Add($"[{c.Name}] mtsnn {string.Join(' ', c.Args)}: {why}\n{r}");
            else lock (log) log.WriteLine($"[{c.Name}] {r.ErrorLines[0]}");
        });
        log.WriteLine($"{cases.Count} cases in {clock.Elapsed.TotalSeconds:F0} s (4 at a time; machine shared)");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} cases broke the promise:\n\n{string.Join("\n\n", failures)}");
        Assert.Equal(inputsBefore, Snapshot(files.Dir.Path));
    }

    /// <summary>What is wrong with the run's result, or null when it kept the promise.</summary>
    public static string? Problem(CliProcess.Result r, string[] before, string[] after)
    {
        if (r.ExitCode != CliApp.BadInput) return $"exit code {r.ExitCode}, expected {CliApp.BadInput}";
        var lines = r.ErrorLines;
        if (lines.Length != 1) return $"{lines.Length} stderr lines besides notices, expected 1";
        if (!lines[0].StartsWith("mtsnn: error: ", StringComparison.Ordinal)) return "the stderr line does not start with 'mtsnn: error: '";
        if (lines[0].Contains("   at ", StringComparison.Ordinal) || r.StdErr.Contains("Exception", StringComparison.Ordinal) && r.StdErr.Contains(" at ", StringComparison.Ordinal))
            return "a stack trace";
        if (r.StdErrBytes.Any(b => b < 0x20 && b != (byte)'\n' || b == 0x7F) || r.StdErr.Any(c => c != '\n' && PrintableText.NeedsEscape(c)))
            return "unprintable characters on stderr";
        if (!before.SequenceEqual(after)) return $"the working folder changed: {string.Join(", ", after.Except(before))}";
        return null;
    }

    /// <summary>What the error line says wrong (<see cref="Case.Says"/>, <see cref="Case.NotSays"/>, <see cref="NeverSays"/>), or null.</summary>
    private static string? Wording(Case c, string line)
    {
        foreach (string s in c.Says) if (!line.Contains(s, StringComparison.Ordinal)) return $"the error line does not say '{s}'";
        foreach (string s in c.NotSays.Concat(NeverSays)) if (line.Contains(s, StringComparison.Ordinal)) return $"the error line says '{s}'";
        return null;
    }

    /// <summary>Every file and folder under <paramref name="dir"/>, relative, sorted.</summary>
    public static string[] Snapshot(string dir) =>
        [.. Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(dir, p)).Order(StringComparer.Ordinal)];
}
