using System.Buffers.Binary;

namespace MtSnn.Tests.Reliability.Fuzz;

/// <summary>
/// Structure-aware mutations of a valid file, seeded: byte flips, truncations, insertions, duplicated and deleted
/// ranges, and edits of the fields a target names (<see cref="FuzzTarget.Fields"/>: offsets of length, count and
/// size fields) to the values that break readers (0, 1, -1, 2^31 - 1, 2^31 - 16, 2^32 - 1, just past the file).
/// One to three mutations per case. The target re-seals checksums afterwards where its format has them.
/// </summary>
public static class Mutator
{
    private static readonly long[] Interesting = [0, 1, -1, 2, 7, 255, 256, 65535, 65536, int.MaxValue, int.MaxValue - 16, uint.MaxValue, 1L << 40, long.MaxValue];

    /// <summary>A mutated copy of <paramref name="seed"/>.</summary>
    public static byte[] Mutate(byte[] seed, IReadOnlyList<(int Offset, int Size, bool BigEndian)> fields, Random r)
    {
        var b = new List<byte>(seed);
        int n = 1 + r.Next(3);
        for (int m = 0; m < n; m++)
        {
            switch (r.Next(8))
            {
                case 0 when b.Count > 0: // flip bits
                    b[r.Next(b.Count)] ^= (byte)(1 << r.Next(8));
                    break;
                case 1 when b.Count > 0: // random byte
                    b[r.Next(b.Count)] = (byte)r.Next(256);
                    break;
                case 2: // truncate
                    int cut = r.Next(b.Count + 1);
                    b.RemoveRange(cut, b.Count - cut);
                    break;
                case 3: // insert random bytes
                    int at = r.Next(b.Count + 1);
                    b.InsertRange(at, Enumerable.Range(0, 1 + r.Next(16)).Select(_ => (byte)r.Next(256)));
                    break;
                case 4 when b.Count > 1: // duplicate a range
                    int s = r.Next(b.Count), len = Math.Min(b.Count - s, 1 + r.Next(64));
                    b.InsertRange(r.Next(b.Count + 1), b.GetRange(s, len));
                    break;
                case 5 when b.Count > 1: // delete a range
                    int d = r.Next(b.Count);
                    b.RemoveRange(d, Math.Min(b.Count - d, 1 + r.Next(16)));
                    break;
                default: // header / length field edit
                    if (fields.Count == 0 || b.Count == 0) { if (b.Count > 0) b[r.Next(b.Count)] = 0xFF; break; }
                    var (off, size, big) = fields[r.Next(fields.Count)];
                    if (off + size > b.Count) break;
                    long v = r.Next(4) == 0 ? b.Count - off + r.Next(-2, 3) : Interesting[r.Next(Interesting.Length)];
                    var w = new byte[8].AsSpan();
                    if (big) BinaryPrimitives.WriteInt64BigEndian(w, v); else BinaryPrimitives.WriteInt64LittleEndian(w, v);
                    var part = big ? w[(8 - size)..] : w[..size];
                    for (int i = 0; i < size; i++) b[off + i] = part[i];
                    break;
            }
        }
        return [.. b];
    }
}
