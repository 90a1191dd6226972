using MtSnn.Kernels.Cuda;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels.Cuda;

/// <summary>
/// The kernels' float16 / bfloat16 load and store (<see cref="CudaKernelSource.StorageHelpers"/>), compiled with g++:
/// every float16 bit pattern loads as .NET's <see cref="Half"/> says; stores round to nearest even as .NET's
/// float-to-Half conversion does (float16) or as an exact nearest-neighbour search in double (bfloat16), on edge values
/// (ties, subnormals, overflow, signed zero, infinities, NaN) and random bit patterns.
/// </summary>
public class CudaStorageConversionTests
{
    [EmulationFact]
    public void Half_and_bfloat16_conversions_are_exact()
    {
        var floats = Probes();
        using var dir = new MtSnn.Tests.TestSupport.TempDir();
        string program = "#include \"cuda_cpu_shim.h\"\n#include <stdio.h>\n"
            + $"namespace h {{\n{CudaKernelSource.StorageHelpers(ScalarType.Float16)}}}\nnamespace b {{\n{CudaKernelSource.StorageHelpers(ScalarType.BFloat16)}}}\n"
            + """
              int main(int argc, char** argv)
              {
                  FILE* in = fopen(argv[1], "rb"); FILE* out = fopen(argv[2], "wb");
                  int count; if (fread(&count, 4, 1, in) != 1) return 2;
                  for (int i = 0; i < count; ++i)
                  {
                      float f; if (fread(&f, 4, 1, in) != 1) return 2;
                      unsigned short hs, bs; h::mt_store(&hs, 0, f); b::mt_store(&bs, 0, f);
                      fwrite(&hs, 2, 1, out); fwrite(&bs, 2, 1, out);
                  }
                  for (unsigned int u = 0; u < 65536u; ++u)
                  {
                      unsigned short s = (unsigned short)u; float hf = h::mt_load(&s, 0), bf = b::mt_load(&s, 0);
                      fwrite(&hf, 4, 1, out); fwrite(&bf, 4, 1, out);
                  }
                  return fclose(out) == 0 ? 0 : 3;
              }
              """;
        File.WriteAllText(dir["conv.cpp"], program);
        using (var w = new BinaryWriter(File.Create(dir["in.bin"])))
        {
            w.Write(floats.Length);
            foreach (float f in floats) w.Write(f);
        }
        CudaEmulator.Compile(dir, "conv.cpp");
        CudaEmulator.Execute(dir["emu"], dir["in.bin"], dir["out.bin"]);
        using var r = new BinaryReader(File.OpenRead(dir["out.bin"]));
        foreach (float f in floats)
        {
            ushort hs = r.ReadUInt16(), bs = r.ReadUInt16();
            ushort expectedHalf = BitConverter.HalfToUInt16Bits((Half)f);
            if (float.IsNaN(f)) Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(hs)) && (bs & 0x7f80) == 0x7f80 && (bs & 0x7f) != 0, $"NaN {BitConverter.SingleToUInt32Bits(f):x8}");
            else
            {
                Assert.True(expectedHalf == hs, $"float16 store of {f:R} ({BitConverter.SingleToUInt32Bits(f):x8}): expected {expectedHalf:x4}, got {hs:x4}");
                Assert.True(BFloat16Nearest(f) == bs, $"bfloat16 store of {f:R} ({BitConverter.SingleToUInt32Bits(f):x8}): expected {BFloat16Nearest(f):x4}, got {bs:x4}");
            }
        }
        for (int u = 0; u < 65536; u++)
        {
            float hf = r.ReadSingle(), bf = r.ReadSingle();
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)u);
            Assert.True(float.IsNaN(expected) ? float.IsNaN(hf) : BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(hf), $"float16 load of {u:x4}: expected {expected:R}, got {hf:R}");
            Assert.Equal((uint)u << 16, BitConverter.SingleToUInt32Bits(bf));
        }
    }

    [Fact]
    public void Hand_worked_bfloat16_roundings()
    {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0, 0x3f80)
        Assert.Equal(0x3f80, BFloat16Nearest(1f + 1f / 256));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): up, 0x3f82
        Assert.Equal(0x3f82, BFloat16Nearest(1f + 3f / 256));
        // just above the tie rounds up
        Assert.Equal(0x3f81, BFloat16Nearest(BitConverter.UInt32BitsToSingle(0x3f808001)));
        Assert.Equal(0xbf80, BFloat16Nearest(-1f));
    }

    /// <summary>The nearest bfloat16 by exact search in double (ties to even, beyond the largest finite value infinity).</summary>
    private static ushort BFloat16Nearest(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        ushort lo = (ushort)(bits >> 16);
        if ((bits & 0xffff) == 0 || float.IsInfinity(f)) return lo;
        double v = Math.Abs((double)f);
        double down = Math.Abs((double)BitConverter.UInt32BitsToSingle((uint)lo << 16));
        double up = (lo & 0x7fff) == 0x7f7f ? Math.Pow(2, 128) : Math.Abs((double)BitConverter.UInt32BitsToSingle((uint)(lo + 1) << 16));
        if (v - down < up - v) return lo;
        if (v - down > up - v) return (ushort)(lo + 1);
        return (lo & 1) == 0 ? lo : (ushort)(lo + 1);
    }

    private static float[] Probes()
    {
        var list = new List<float> { 0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, 65536f, -70000f, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, 1f + 1f / 2048, 1f + 3f / 2048, 1f + 1f / 4096 };
        foreach (int e in new[] { -14, -15, -20, -24, -25, -26 })
        {
            float p = MathF.Pow(2, e);
            list.AddRange([p, -p, p * 1.5f, p * 0.75f, BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(p) + 1),
                BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(p) - 1)]);
        }
        var rng = new Random(5);
        for (int i = 0; i < 20000; i++) list.Add(BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)));
        for (int i = 0; i < 20000; i++) list.Add((float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-30, 20))));
        return [.. list];
    }
}
