namespace MtSnn.Data;

/// <summary>
/// A small deterministic random generator (SplitMix64) for augmentation. The <see cref="DataLoader"/> seeds one per
/// sample from (seed, epoch, sample index), so an image's augmentation does not depend on which thread made it or when.
/// </summary>
public struct SampleRandom
{
    private ulong _state;

    /// <summary>Creates a generator from a 64-bit seed.</summary>
    public SampleRandom(ulong seed) => _state = seed;

    /// <summary>The generator for sample <paramref name="index"/> of <paramref name="epoch"/> under <paramref name="seed"/>.</summary>
    public static SampleRandom For(long seed, int epoch, int index) =>
        new(Mix(Mix(Mix((ulong)seed) ^ (ulong)(uint)epoch) ^ (ulong)(uint)index));

    /// <summary>The SplitMix64 finaliser: a bijective hash of 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        ulong z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform double in [lo, hi).</summary>
    public double NextDouble(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n), n &gt;= 1 (multiply-shift, bias below 2^-32 for n &lt; 2^32).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return (int)(((NextUInt64() >> 32) * (ulong)n) >> 32);
    }
}
