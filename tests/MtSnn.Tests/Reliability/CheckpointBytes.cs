using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MtSnn.Tests.Reliability;

/// <summary>
/// An independent writer and splitter of the checkpoint layout that <c>docs</c> and <see cref="MtSnn.Training.CheckpointFile"/>
/// describe: "MTSNNCK1", three int64-little-endian-length-prefixed sections (header JSON, model state, optimizer state),
/// then the SHA-256 of everything before. Tests edit a header or a section and re-seal the checksum so that the
/// reader's later checks, not the checksum, have to catch the edit.
/// </summary>
public static class CheckpointBytes
{
    private static readonly byte[] Magic = "MTSNNCK1"u8.ToArray();

    /// <summary>The three sections of a well-formed checkpoint file.</summary>
    public static (JsonObject Header, byte[] Model, byte[] Optimizer) Split(byte[] file)
    {
        int pos = Magic.Length;
        byte[] Next()
        {
            long n = BitConverter.ToInt64(file, pos);
            pos += 8;
            var r = file.AsSpan(pos, (int)n).ToArray();
            pos += (int)n;
            return r;
        }
        var header = Next();
        return (JsonNode.Parse(header)!.AsObject(), Next(), Next());
    }

    /// <summary>A checkpoint file of these sections, with a correct checksum.</summary>
    public static byte[] Seal(byte[] header, byte[] model, byte[] optimizer)
    {
        using var body = new MemoryStream();
        body.Write(Magic);
        foreach (var s in new[] { header, model, optimizer })
        {
            body.Write(BitConverter.GetBytes((long)s.Length));
            body.Write(s);
        }
        var bytes = body.ToArray();
        return [.. bytes, .. SHA256.HashData(bytes)];
    }

    /// <summary>A checkpoint file with <paramref name="header"/> as its header JSON.</summary>
    public static byte[] Seal(JsonObject header, byte[] model, byte[] optimizer) => Seal(Encoding.UTF8.GetBytes(header.ToJsonString()), model, optimizer);
}
