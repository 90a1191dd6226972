using System.Buffers.Binary;
using System.Text;
using MtSnn.Neurons;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>Seeded mutations of a valid model file: each either loads or throws <see cref="ModelFormatException"/>.</summary>
public sealed class FuzzTests
{
    [Fact]
    public async Task Mutated_files_load_or_fail_cleanly()
    {
        var b = new NetBuilder(new Shape3(2, 6, 6), 2, 5);
        b.Conv(3, 3, pad: 1); b.Neuron(NetBuilder.Neuron("pow2", FiringMode.Cascade, 3)); b.MaxPool(2, 2);
        b.Conv(3, 3, pad: 1); int a = b.Neuron(NetBuilder.Neuron("uniform", FiringMode.Parallel, 2)); b.AvgPool(3, 3); b.Flatten(); b.Linear(4);
        var (g, t) = b.Build();
        var valid = MtSnnModelWriter.ToBytes(g, t);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        string header = Encoding.UTF8.GetString(valid, 8, headerLength);
        var rng = new Random(20240601);
        int loaded = 0, rejected = 0;
        const int cases = 2400;
        var run = Task.Run(() =>
        {
            for (int i = 0; i < cases; i++)
            {
                byte[] bytes = (i % 4) switch
                {
                    0 => FlipBytes(valid, rng, 8 + headerLength),                 // raw bytes anywhere in length + header
                    1 => FlipBytes(valid, rng, valid.Length),                     // raw bytes anywhere
                    2 => valid[..rng.Next(valid.Length)],                         // truncation
                    _ => WithHeader(valid, headerLength, MutateText(header, rng)), // structured: text edits inside the JSON (graph included)
                };
                try { MtSnnModel.Load(bytes); loaded++; }
                catch (ModelFormatException) { rejected++; }
            }
        });
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(finished == run, "fuzzing did not finish in 60 s (hang?)");
        await run; // rethrows any exception other than ModelFormatException
        Assert.Equal(cases, loaded + rejected);
        Assert.True(rejected > cases / 4, $"only {rejected} of {cases} mutations were rejected");
    }

    private static byte[] FlipBytes(byte[] src, Random rng, int range)
    {
        var bytes = (byte[])src.Clone();
        int flips = 1 + rng.Next(4);
        for (int f = 0; f < flips; f++) bytes[rng.Next(range)] = (byte)rng.Next(256);
        return bytes;
    }

    private static readonly string[] Tokens = ["0", "1", "-1", "99999999999", "2147483647", "1e308", "-0.5", "null", "true", "\"x\"", "[]", "{}", "\"F32\"", ",", ":", "\\\"", "16"];

    private static string MutateText(string header, Random rng)
    {
        var sb = new StringBuilder(header);
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int at = rng.Next(sb.Length);
            switch (rng.Next(3))
            {
                case 0: // replace a digit run with another number
                    int end = at;
                    while (end < sb.Length && char.IsAsciiDigit(sb[end])) end++;
                    sb.Remove(at, end - at).Insert(at, rng.Next(4) == 0 ? Tokens[rng.Next(Tokens.Length)] : rng.Next(-3, 40).ToString());
                    break;
                case 1:
                    sb.Remove(at, Math.Min(sb.Length - at, 1 + rng.Next(6)));
                    break;
                default:
                    sb.Insert(at, Tokens[rng.Next(Tokens.Length)]);
                    break;
            }
        }
        return sb.ToString();
    }

    private static byte[] WithHeader(byte[] valid, int oldLength, string header)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var result = new byte[8 + h.Length + valid.Length - 8 - oldLength];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)h.Length);
        h.CopyTo(result, 8);
        valid.AsSpan(8 + oldLength).CopyTo(result.AsSpan(8 + h.Length));
        return result;
    }
}
