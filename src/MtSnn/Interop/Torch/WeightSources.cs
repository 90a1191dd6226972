using MtSnn.Models;
using MtSnn.Training;
using static TorchSharp.torch;

namespace MtSnn.Interop.Torch;

/// <summary>Weights read for <c>--init-from</c>: a state dict by name, or a NIR graph matched to the model layer by layer (<see cref="NirWeights"/>).</summary>
public sealed class WeightSource
{
    private readonly TorchStateDict? _dict;
    private readonly MtSnn.Export.ExportedModel? _nir;

    internal WeightSource(string path, TorchStateDict? dict, MtSnn.Export.ExportedModel? nir)
    {
        Path = path;
        _dict = dict;
        _nir = nir;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The tensors under <paramref name="model"/>'s names (a NIR graph is matched to it here).</summary>
    public TorchStateDict For(SpikingModel model) => _dict ?? NirWeights.ToStateDict(_nir!, model, Path);
}

/// <summary>
/// The files <c>mtsnn train --init-from</c> takes, told apart by their first bytes (not the extension): a
/// <c>torch.save</c> zip (<c>.pth</c>/<c>.pt</c>, <see cref="TorchStateDict"/>), an MtSnn checkpoint (<c>.ckpt</c>,
/// its model state by name) or a NIR graph (<c>.nir</c>). Anything else is refused naming the kinds allowed.
/// </summary>
public static class WeightSources
{
    /// <summary>The kinds, for messages.</summary>
    public const string Kinds = "a PyTorch state_dict (.pth/.pt written by torch.save), an MtSnn checkpoint (.ckpt) or a NIR graph (.nir)";

    private static readonly byte[] Hdf5Magic = [0x89, (byte)'H', (byte)'D', (byte)'F'];

    /// <summary>Reads <paramref name="path"/>.</summary>
    public static WeightSource Open(string path)
    {
        MtSnn.IO.InputFile.Require(path, "--init-from");
        Span<byte> head = stackalloc byte[8];
        int n;
        using (var f = File.OpenRead(path)) n = f.Read(head);
        if (head[..n].StartsWith(Hdf5Magic))
        {
            try { return new WeightSource(path, null, MtSnn.Interop.Nir.NirImporter.Read(path)); }
            catch (MtSnn.Runtime.Format.ModelFormatException e) { throw new InvalidDataException(e.Message, e); }
        }
        return new WeightSource(path, Read(path), null);
    }

    /// <summary>Reads <paramref name="path"/> as a state dict (names and tensors): a torch.save file or an MtSnn checkpoint.</summary>
    public static TorchStateDict Read(string path)
    {
        MtSnn.IO.InputFile.Require(path, "--init-from");
        Span<byte> head = stackalloc byte[8];
        int n;
        using (var f = File.OpenRead(path)) n = f.Read(head);
        head = head[..n];
        if (CheckpointFile.StartsWithMagic(head)) return FromCheckpoint(path);
        if (head.StartsWith("PK\u0003\u0004"u8) || (n > 0 && head[0] == 0x80)) return TorchStateDict.Read(path);
        throw new InvalidDataException($"{path}: not {Kinds}");
    }

    /// <summary>An MtSnn checkpoint's model state (TorchSharp's <c>Module.save</c> layout: count, then name and tensor per entry) by name.</summary>
    public static TorchStateDict FromCheckpoint(string path)
    {
        var ck = CheckpointFile.Load(path);
        var tensors = new List<KeyValuePair<string, TorchTensor>>();
        using var reader = new BinaryReader(new MemoryStream(ck.ModelState));
        string bad = $"checkpoint '{path}' is not a valid MtSnn checkpoint";
        try
        {
            long count = Decode(reader);
            if (count != ck.StateShapes.Count) throw new InvalidDataException($"{bad} (its weights hold {count} entries, its header {ck.StateShapes.Count})");
            foreach (var (name, shape) in ck.StateShapes)
            {
                string key = reader.ReadString();
                if (key != name) throw new InvalidDataException($"{bad} (weight entry '{RestrictedUnpickler.PrintableName(key)}' where the header has '{name}')");
                bool integer = name.EndsWith("num_batches_tracked", StringComparison.Ordinal);
                using var t = Tensor.Load(reader);
                if (!t.shape.SequenceEqual(shape) || t.dtype != (integer ? ScalarType.Int64 : ScalarType.Float32))
                    throw new InvalidDataException($"{bad} (weight entry '{name}' is {t.dtype} [{string.Join(", ", t.shape)}], its header says [{string.Join(", ", shape)}])");
                tensors.Add(new(name, integer ? TorchTensor.FromIntegers(shape, t.data<long>().ToArray()) : TorchTensor.FromFloats(shape, t.data<float>().ToArray())));
            }
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or IOException or InvalidOperationException)
        {
            throw new InvalidDataException($"{bad} (its weights do not match its header: {e.Message.ReplaceLineEndings(" ")})", e);
        }
        return TorchStateDict.FromTensors(path, tensors);
    }

    private static long Decode(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("an entry count longer than 9 bytes");
    }
}
