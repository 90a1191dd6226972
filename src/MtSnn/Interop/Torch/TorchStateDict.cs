using System.IO.Compression;
using System.Text;

namespace MtSnn.Interop.Torch;

/// <summary>
/// A PyTorch <c>state_dict</c> read from a file <c>torch.save</c> wrote (PyTorch &gt;= 1.6, the zip layout):
/// <c>NAME/data.pkl</c> (the pickled dict, read by <see cref="RestrictedUnpickler"/>: no code runs),
/// <c>NAME/data/KEY</c> (one raw storage per key), <c>NAME/byteorder</c> (<c>little</c> or <c>big</c>; absent before
/// PyTorch 1.13 = little) and <c>NAME/version</c>. Tensors are rebuilt as <c>torch._utils._rebuild_tensor_v2</c> does
/// (storage, offset, size, stride), so views (slices, transposes) come out with their own values. A checkpoint dict
/// whose tensors sit under <c>state_dict</c>, <c>model</c> or <c>net</c> is accepted (the entry is named in
/// <see cref="Entry"/>); anything but tensors and plain containers is refused by name.
/// </summary>
public sealed class TorchStateDict
{
    private static readonly string[] NestedKeys = ["state_dict", "model", "net"];

    /// <summary>The most elements one tensor may have (2^28: 1 GiB of float32; a stride-0 view could otherwise ask for any size).</summary>
    public const long MaxElements = 1L << 28;

    private TorchStateDict(string path, IReadOnlyList<KeyValuePair<string, TorchTensor>> tensors, string? entry, int? version, string byteOrder)
    {
        Path = path;
        Tensors = tensors;
        Entry = entry;
        Version = version;
        ByteOrder = byteOrder;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Every tensor, in the file's order.</summary>
    public IReadOnlyList<KeyValuePair<string, TorchTensor>> Tensors { get; }

    /// <summary>The checkpoint entry the tensors came from (<c>state_dict</c>, <c>model</c>, <c>net</c>), or null for a bare state_dict.</summary>
    public string? Entry { get; }

    /// <summary>The archive's <c>version</c> record, when present.</summary>
    public int? Version { get; }

    /// <summary><c>little</c> or <c>big</c>.</summary>
    public string ByteOrder { get; }

    /// <summary>A state dict from tensors already in memory (another format's weights).</summary>
    public static TorchStateDict FromTensors(string path, IReadOnlyList<KeyValuePair<string, TorchTensor>> tensors) =>
        new(path, tensors, null, null, "little");

    /// <summary>True when <paramref name="path"/> starts like a zip archive (the torch.save layout).</summary>
    public static bool LooksLikeZip(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var f = File.OpenRead(path);
        return f.Read(head) == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
    }

    /// <summary>Reads <paramref name="path"/>; throws <see cref="InvalidDataException"/> (naming the file and the problem) on anything else.</summary>
    public static TorchStateDict Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        MtSnn.IO.InputFile.Require(path, "PyTorch weights");
        if (!LooksLikeZip(path))
        {
            using var f = File.OpenRead(path);
            int first = f.ReadByte();
            throw new InvalidDataException(first == 0x80
                ? $"{path}: a legacy (pre-1.6) torch.save file; re-save it with PyTorch >= 1.6 (torch.save(torch.load(f), f))"
                : $"{path}: not a torch.save file (expected the zip layout written by PyTorch >= 1.6)");
        }
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: a damaged zip archive ({e.Message.ReplaceLineEndings(" ")})", e); }
        using (zip)
        {
            var pkl = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
            if (pkl.Count != 1)
                throw new InvalidDataException($"{path}: a zip archive without exactly one ARCHIVE/data.pkl ({pkl.Count} found); not a torch.save file");
            string prefix = pkl[0].FullName[..^"data.pkl".Length];
            string byteOrder = Text(zip, prefix + "byteorder", path) ?? "little";
            if (byteOrder is not ("little" or "big"))
                throw new InvalidDataException($"{path}: byteorder record '{RestrictedUnpickler.PrintableName(byteOrder)}' (allowed: little, big)");
            string? versionText = Text(zip, prefix + "version", path) ?? Text(zip, prefix + ".data/version", path);
            int? version = versionText is null ? null : int.TryParse(versionText, out int v) ? v
                : throw new InvalidDataException($"{path}: version record is not a number");
            object? root = RestrictedUnpickler.Load(Bytes(pkl[0], path, long.MaxValue), $"{path}: {pkl[0].FullName}");
            var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var (dict, entry) = FindTensorDict(root, path);
            var tensors = new List<KeyValuePair<string, TorchTensor>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (k, value) in dict.Items)
            {
                if (k is not string name) throw new InvalidDataException($"{path}: a state_dict key that is not a string");
                if (!seen.Add(name)) throw new InvalidDataException($"{path}: tensor '{RestrictedUnpickler.PrintableName(name)}' appears twice");
                tensors.Add(new(name, Rebuild(value, name, zip, prefix, storages, byteOrder == "big", path)));
            }
            foreach (var key in dict.Attributes.Keys)
                if (key != "_metadata")
                    throw new InvalidDataException($"{path}: state_dict attribute '{RestrictedUnpickler.PrintableName(key)}' (only _metadata is allowed)");
            return new TorchStateDict(path, tensors, entry, version, byteOrder);
        }
    }

    private static (PickleDict Dict, string? Entry) FindTensorDict(object? root, string path)
    {
        if (root is not PickleDict top) throw new InvalidDataException($"{path}: the pickled object is a {Kind(root)}, not a dict of tensors");
        if (top.Items.Count > 0 && top.Items.All(kv => kv.Value is PickleCall)) return (top, null);
        foreach (string key in NestedKeys)
            foreach (var (k, v) in top.Items)
                if (k as string == key && v is PickleDict inner && inner.Items.Count > 0 && inner.Items.All(kv => kv.Value is PickleCall))
                    return (inner, key);
        var bad = top.Items.FirstOrDefault(kv => kv.Value is not PickleCall);
        throw new InvalidDataException(top.Items.Count == 0
            ? $"{path}: an empty dict (no tensors)"
            : $"{path}: entry '{RestrictedUnpickler.PrintableName(bad.Key as string ?? "?")}' is a {Kind(bad.Value)}, not a tensor (a state_dict, or a checkpoint dict with the tensors under {string.Join(", ", NestedKeys)})");
    }

    private static string Kind(object? v) => v switch
    {
        null => "None",
        PickleDict => "dict",
        List<object?> => "list",
        object?[] => "tuple",
        string => "string",
        long => "int",
        double => "float",
        bool => "bool",
        byte[] => "bytes",
        PickleCall c => $"call of {c.Function}",
        PickleGlobal g => $"global {g}",
        _ => v.GetType().Name,
    };

    private static TorchTensor Rebuild(object? value, string name, ZipArchive zip, string prefix, Dictionary<string, byte[]> storages, bool bigEndian, string path)
    {
        string what = $"{path}: tensor '{RestrictedUnpickler.PrintableName(name)}'";
        var call = value as PickleCall ?? throw new InvalidDataException($"{what} is a {Kind(value)}");
        while (call.Function.Name is "_rebuild_parameter" or "_rebuild_parameter_with_state")   // a loop: nesting depth is the file's to choose
            call = call.Arguments.Length >= 1 && call.Arguments[0] is PickleCall inner ? inner
                : throw new InvalidDataException($"{what}: _rebuild_parameter without a tensor");
        if (call.Function.Name != "_rebuild_tensor_v2")
            throw new InvalidDataException($"{what}: {call.Function} called where a tensor is expected");
        var a = call.Arguments;
        if (a.Length < 4 || a[0] is not PicklePersistentId pid || a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride)
            throw new InvalidDataException($"{what}: _rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)");
        // ('storage', storage_type, key, location, numel)
        var t = pid.Tuple;
        if (t.Length < 5 || t[0] as string != "storage" || t[1] is not PickleGlobal type || t[2] is not string key || t[4] is not long numel)
            throw new InvalidDataException($"{what}: a persistent id that is not ('storage', type, key, location, numel)");
        var dtype = TorchDTypes.ByStorage(type.Name)
            ?? throw new InvalidDataException($"{what}: storage type {type} (allowed: {string.Join(", ", TorchDTypes.All.Select(d => d.Storage))})");
        long[] shape = [.. size.Select(s => s is long l && l >= 0 ? l : throw new InvalidDataException($"{what}: a size that is not a non-negative int"))];
        long[] strides = [.. stride.Select(s => s is long l && l >= 0 ? l : throw new InvalidDataException($"{what}: a stride that is not a non-negative int"))];
        if (strides.Length != shape.Length) throw new InvalidDataException($"{what}: {shape.Length} sizes but {strides.Length} strides");
        if (!storages.TryGetValue(key, out var bytes))
        {
            var entry = zip.GetEntry($"{prefix}data/{key}")
                ?? throw new InvalidDataException($"{what}: storage {RestrictedUnpickler.PrintableName(key)} is not in the archive ({prefix}data/{RestrictedUnpickler.PrintableName(key)})");
            bytes = Bytes(entry, path, numel * dtype.Size);
            if (bytes.LongLength != numel * dtype.Size)
                throw new InvalidDataException($"{what}: storage {RestrictedUnpickler.PrintableName(key)} holds {bytes.LongLength} bytes, {numel} {dtype.Name} elements need {numel * dtype.Size}");
            storages[key] = bytes;
        }
        long count = 1;
        foreach (long s in shape)
            count = s == 0 || count <= MaxElements / s ? count * s
                : throw new InvalidDataException($"{what}: size {TorchTensor.ShapeString(shape)} has more than {MaxElements} elements");
        if (count > 0)
        {
            long last = offset;
            for (int d = 0; d < shape.Length; d++) last += (shape[d] - 1) * strides[d];
            if (offset < 0 || last >= numel)
                throw new InvalidDataException($"{what}: offset {offset}, size {TorchTensor.ShapeString(shape)} and stride {TorchTensor.ShapeString(strides)} reach element {last} of a storage of {numel}");
        }
        if (count > Math.Max(numel, 1L << 20))
            throw new InvalidDataException($"{what}: size {TorchTensor.ShapeString(shape)} repeats a storage of {numel} elements beyond 2^20 elements (stride {TorchTensor.ShapeString(strides)})");
        var floats = dtype.IsFloat ? new float[count] : null;
        var ints = dtype.IsFloat ? null : new long[count];
        var index = new long[shape.Length];
        for (long i = 0; i < count; i++)
        {
            long at = offset;
            for (int d = 0; d < shape.Length; d++) at += index[d] * strides[d];
            if (floats is not null) floats[i] = (float)dtype.Read(bytes, at, bigEndian);
            else if (dtype.Name == "int64") ints![i] = ReadInt64(bytes, at, bigEndian);
            else ints![i] = (long)dtype.Read(bytes, at, bigEndian);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
        return new TorchTensor(dtype.Name, shape, floats, ints);
    }

    private static long ReadInt64(byte[] bytes, long at, bool bigEndian)
    {
        var s = bytes.AsSpan((int)(at * 8), 8);
        return bigEndian ? System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(s) : System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(s);
    }

    private static string? Text(ZipArchive zip, string name, string path)
    {
        var e = zip.GetEntry(name);
        return e is null ? null : Encoding.ASCII.GetString(Bytes(e, path, 64)).Trim();
    }

    private static byte[] Bytes(ZipArchiveEntry e, string path, long limit)
    {
        if (e.Length > limit || e.Length > Array.MaxLength)
            throw new InvalidDataException($"{path}: archive entry {RestrictedUnpickler.PrintableName(e.FullName)} is {e.Length} bytes, more than expected ({Math.Min(limit, Array.MaxLength)})");
        using var s = e.Open();
        var buffer = new byte[e.Length];
        try { s.ReadExactly(buffer); }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: archive entry {RestrictedUnpickler.PrintableName(e.FullName)} cannot be read ({ex.Message.ReplaceLineEndings(" ")})", ex);
        }
        return buffer;
    }
}
