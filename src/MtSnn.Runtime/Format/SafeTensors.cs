using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace MtSnn.Runtime.Format;

/// <summary>
/// The safetensors container: 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor
/// name to <c>{dtype, shape, data_offsets: [begin, end]}</c> (offsets relative to the data section) plus a
/// <c>__metadata__</c> object of strings, then the raw little-endian data. Only F32 tensors are supported;
/// the tensors must tile the data section exactly (no overlap, no gap, nothing past the end).
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted (bytes).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Reads and validates a whole file image; every defect is a <see cref="ModelFormatException"/>.</summary>
    public static (Dictionary<string, TensorF32> Tensors, Dictionary<string, string> Metadata) Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8) Fail($"file is truncated: {file.Length} bytes, the 8-byte header length is missing");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > (ulong)(file.Length - 8)) Fail($"header length {n} exceeds the file ({file.Length - 8} bytes after the length field)");
        if (n > MaxHeaderBytes || n < 2) Fail($"header length {n} must be in 2..{MaxHeaderBytes}");
        var header = file.Slice(8, (int)n);
        var data = file[(8 + (int)n)..];
        var tensors = new Dictionary<string, TensorF32>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var extents = new List<(long Begin, long End, string Name)>();
        if (!System.Text.Unicode.Utf8.IsValid(header)) Fail("header is not valid UTF-8");
        try
        {
            using var doc = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) Fail("header must be a JSON object");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) Fail("__metadata__ must be an object of strings");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) Fail($"__metadata__ '{m.Name}' must be a string");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) Fail($"__metadata__ key '{m.Name}' appears twice");
                    }
                    continue;
                }
                if (tensors.ContainsKey(prop.Name)) Fail($"tensor '{prop.Name}' appears twice");
                var (shape, begin, end) = Entry(prop.Name, prop.Value);
                if (end > data.Length) Fail($"tensor '{prop.Name}': data_offsets [{begin}, {end}] run past the data section ({data.Length} bytes): file truncated?");
                extents.Add((begin, end, prop.Name));
                tensors.Add(prop.Name, new TensorF32(prop.Name, shape, Floats(prop.Name, data[(int)begin..(int)end])));
            }
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"header is not valid JSON: {GraphJson.OneLine(e.Message)}", e);
        }
        catch (InvalidOperationException e)
        {
            // e.g. a string escape that is not valid Unicode (a lone surrogate)
            throw new ModelFormatException($"header holds text that is not valid Unicode: {GraphJson.OneLine(e.Message)}", e);
        }
        extents.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long at = 0;
        foreach (var (begin, end, name) in extents)
        {
            if (begin < at) Fail($"tensor '{name}': data_offsets [{begin}, {end}] overlap the previous tensor (which ends at {at})");
            if (begin > at) Fail($"tensor '{name}': gap in the data section before offset {begin} (previous tensor ends at {at})");
            at = end;
        }
        if (at != data.Length) Fail($"data section has {data.Length - at} bytes past the last tensor (at {at} of {data.Length})");
        return (tensors, metadata);
    }

    private static (ImmutableArray<int> Shape, long Begin, long End) Entry(string name, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) Fail($"tensor '{name}': entry must be an object");
        if (!e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) Fail($"tensor '{name}': missing string 'dtype'");
        if (dt.GetString() != "F32") Fail($"tensor '{name}': unsupported dtype '{dt.GetString()}' (supported: F32)");
        if (!e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array || sh.GetArrayLength() > 8)
            Fail($"tensor '{name}': 'shape' must be an array of at most 8 sizes");
        var shape = ImmutableArray.CreateBuilder<int>();
        long count = 1;
        foreach (var d in sh.EnumerateArray())
        {
            int v = 0;
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out v) || v < 0) Fail($"tensor '{name}': shape sizes must be non-negative 32-bit integers");
            shape.Add(v);
            const long cap = long.MaxValue / 64;
            count = v == 0 ? 0 : count > cap / v ? cap : count * v;
        }
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            Fail($"tensor '{name}': 'data_offsets' must be [begin, end]");
        long begin = 0, end = 0;
        if (!off[0].TryGetInt64Safe(out begin) || !off[1].TryGetInt64Safe(out end) || begin < 0 || end < begin)
            Fail($"tensor '{name}': data_offsets must be integers with 0 <= begin <= end");
        if (end - begin != count * 4) Fail($"tensor '{name}': shape [{string.Join(", ", shape)}] needs {count * 4} bytes but data_offsets [{begin}, {end}] span {end - begin}");
        return (shape.ToImmutable(), begin, end);
    }

    private static bool TryGetInt64Safe(this JsonElement e, out long v)
    {
        v = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out v);
    }

    private static float[] Floats(string name, ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            float v = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            if (!float.IsFinite(v)) Fail($"tensor '{name}': element {i} is {(float.IsNaN(v) ? "NaN" : "infinite")}");
            values[i] = v;
        }
        return values;
    }

    /// <summary>Writes tensors (in the given order, contiguous) and string metadata as one safetensors image.</summary>
    public static byte[] Write(IReadOnlyList<TensorF32> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        using var headerStream = new MemoryStream();
        long offset = 0;
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            foreach (var (k, v) in metadata) w.WriteString(k, v);
            w.WriteEndObject();
            foreach (var t in tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape"); foreach (int d in t.Shape) w.WriteNumberValue(d); w.WriteEndArray();
                w.WriteStartArray("data_offsets"); w.WriteNumberValue(offset); w.WriteNumberValue(offset + 4L * t.Data.Length); w.WriteEndArray();
                w.WriteEndObject();
                offset += 4L * t.Data.Length;
            }
            w.WriteEndObject();
        }
        // pad the header with spaces so the data section starts 8-byte aligned (allowed by the format)
        var header = headerStream.ToArray().ToList();
        while ((8 + header.Count) % 8 != 0) header.Add((byte)' ');
        var file = new byte[8 + header.Count + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Count);
        header.CopyTo(file, 8);
        int at = 8 + header.Count;
        foreach (var t in tensors)
            foreach (float v in t.Data) { BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(at), v); at += 4; }
        return file;
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new ModelFormatException(message);
}
