using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtSnn.IO;
using MtSnn.Models;
using static TorchSharp.torch;

namespace MtSnn.Training;

/// <summary>
/// The checkpoint file format: <c>"MTSNNCK1"</c>, then three length-prefixed (int64, little-endian) sections — header
/// JSON (UTF-8), model state, optimizer state — then the SHA-256 of everything before it. Writes go through
/// <see cref="AtomicFile"/> (temporary file + rename), so a crash leaves the previous checkpoint intact; reads verify the
/// checksum, so a damaged file is reported, never half-loaded.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The header's format number.</summary>
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "MTSNNCK1"u8.ToArray();

    /// <summary>True when <paramref name="head"/> (a file's first bytes) starts with the checkpoint magic.</summary>
    internal static bool StartsWithMagic(ReadOnlySpan<byte> head) => head.StartsWith(Magic);

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, Checkpoint checkpoint) => AtomicFile.Write(path, s => Write(s, checkpoint));

    /// <summary>Writes the checkpoint's bytes to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, Checkpoint checkpoint)
    {
        using var body = new MemoryStream();
        body.Write(Magic);
        Section(body, System.Text.Encoding.UTF8.GetBytes(checkpoint.Header().ToJsonString()));
        Section(body, checkpoint.ModelState);
        Section(body, checkpoint.OptimizerState);
        stream.Write(body.GetBuffer().AsSpan(0, (int)body.Length));
        stream.Write(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
    }

    /// <summary>Reads and verifies a checkpoint; throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> with one line.</summary>
    public static Checkpoint Load(string path)
    {
        InputFile.Require(path, "checkpoint");
        byte[] all = File.ReadAllBytes(path);
        string bad = $"checkpoint '{path}' is not a valid MtSnn checkpoint";
        if (all.Length < Magic.Length + 24 + 32 || !all.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"{bad} (wrong magic or too short: {all.Length} bytes)");
        var body = all.AsSpan(0, all.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(all.AsSpan(all.Length - 32)))
            throw new InvalidDataException($"{bad} (checksum mismatch: the file is truncated or damaged)");
        int pos = Magic.Length;
        byte[] header = Take(all, body.Length, ref pos, bad), model = Take(all, body.Length, ref pos, bad), optimizer = Take(all, body.Length, ref pos, bad);
        try
        {
            var h = JsonNode.Parse(header)!.AsObject();
            int format = h["format"]!.GetValue<int>();
            if (format != FormatVersion) throw new InvalidDataException($"{bad} (format {format}; this version reads format {FormatVersion})");
            var known = new Checkpoint { Config = new TrainConfig(), Epoch = 0, Step = 0, StateShapes = [], ModelState = [] }.Header();
            if (h.Select(kv => kv.Key).FirstOrDefault(k => !known.ContainsKey(k)) is { } unknown)
                throw new InvalidDataException($"{bad} (header: unknown key '{unknown}'; allowed: {string.Join(", ", known.Select(kv => kv.Key))})");
            var ck = new Checkpoint
            {
                Config = TrainConfig.FromJson(h["config"]!.AsObject()).Validate(),
                Epoch = h["epoch"]!.GetValue<int>(),
                Step = h["step"]!.GetValue<long>(),
                BestAccuracy = h["best_accuracy"]!.GetValue<double>(),
                BestEpoch = h["best_epoch"]!.GetValue<int>(),
                History = [.. h["history"]!.AsArray().Select(e => EpochMetrics.FromJson(e!))],
                StateShapes = [.. h["state"]!.AsArray().Select(e => (e!["name"]!.GetValue<string>(), e["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray()))],
                ModelState = model,
                OptimizerState = optimizer,
            };
            if (ck.Epoch < 0 || ck.Epoch != ck.History.Count || ck.Step < 0 || ck.BestEpoch < 0 || ck.BestEpoch > ck.Epoch || !double.IsFinite(ck.BestAccuracy) || ck.BestAccuracy is < 0 or > 1)
                throw new InvalidDataException($"{bad} (header: epoch {ck.Epoch}, step {ck.Step}, best epoch {ck.BestEpoch}, best accuracy {ck.BestAccuracy}, {ck.History.Count} history rows do not agree)");
            if (ck.StateShapes.Any(e => e.Item2.Any(d => d < 0)))
                throw new InvalidDataException($"{bad} (header: a state entry has a negative dimension)");
            return ck;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException
                                  || e is InvalidDataException && !e.Message.StartsWith(bad, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{bad} (header: {e.Message.Split('\n')[0]})", e);
        }
    }

    /// <summary>
    /// Loads the checkpoint's weights into <paramref name="model"/> after checking that every state entry has the same
    /// name and shape; a mismatch throws <see cref="InvalidDataException"/> naming the first differing entry.
    /// </summary>
    public static void LoadInto(Checkpoint checkpoint, SpikingModel model, string source)
    {
        var expected = StateShapesOf(model);
        string what = $"checkpoint '{source}' ({checkpoint.Config.Model}) does not fit model {model.GetType().Name} built for {model.Spec.Input} with {model.Spec.NumClasses} classes";
        if (expected.Count != checkpoint.StateShapes.Count)
            throw new InvalidDataException($"{what}: {checkpoint.StateShapes.Count} state entries, the model has {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            var (n, s) = checkpoint.StateShapes[i];
            if (n != expected[i].Name || !s.SequenceEqual(expected[i].Shape))
                throw new InvalidDataException($"{what}: entry {i} is {n} [{string.Join(",", s)}], the model expects {expected[i].Name} [{string.Join(",", expected[i].Shape)}]");
        }
        using var reader = new BinaryReader(new MemoryStream(checkpoint.ModelState));
        try { model.load(reader, strict: true); }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException or FormatException or EndOfStreamException)
        {
            throw new InvalidDataException($"{what}: its weights do not match its header ({e.Message.Split('\n')[0]})", e);
        }
    }

    /// <summary>Name and shape of every state entry of <paramref name="model"/> (parameters and buffers).</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> StateShapesOf(nn.Module model) =>
        [.. model.state_dict().Select(kv => (kv.Key, kv.Value.shape))];

    /// <summary>The model's state bytes (<c>Module.save</c>).</summary>
    public static byte[] ModelBytes(nn.Module model)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) model.save(w);
        return ms.ToArray();
    }

    private static void Section(Stream s, ReadOnlySpan<byte> bytes)
    {
        Span<byte> len = stackalloc byte[8];
        BitConverter.TryWriteBytes(len, (long)bytes.Length);
        if (!BitConverter.IsLittleEndian) len.Reverse();
        s.Write(len);
        s.Write(bytes);
    }

    private static byte[] Take(byte[] all, int end, ref int pos, string bad)
    {
        if (pos + 8 > end) throw new InvalidDataException($"{bad} (section header past the end)");
        long n = BitConverter.ToInt64(all, pos);
        pos += 8;
        if (n < 0 || pos + n > end) throw new InvalidDataException($"{bad} (section of {n} bytes past the end)");
        byte[] r = all.AsSpan(pos, (int)n).ToArray();
        pos += (int)n;
        return r;
    }
}
