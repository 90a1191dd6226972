using System.Runtime.CompilerServices;

namespace MtSnn.Kernels;

/// <summary>
/// Loads and stores of one vector that also handle a partial last vector (zero-padded load, partial store), and the
/// horizontal sum, for any width <typeparamref name="TV"/>.
/// </summary>
internal static unsafe class Lanes<TV> where TV : unmanaged, IVec<TV>
{
    /// <summary>Loads <paramref name="count"/> (1..Count) floats, the rest of the lanes 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Load(float* p, int count) => count == TV.Count ? TV.Load(p) : LoadPartial(p, count);

    /// <summary>Stores the first <paramref name="count"/> (1..Count) lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(TV v, float* p, int count)
    {
        if (count == TV.Count) TV.Store(v, p);
        else StorePartial(v, p, count);
    }

    /// <summary>Lane <paramref name="i"/>.</summary>
    public static float Element(TV v, int i) => ((float*)&v)[i];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV LoadPartial(float* p, int count)
    {
        TV v = default;
        float* dst = (float*)&v;
        for (int i = 0; i < count; i++) dst[i] = p[i];
        return v;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial(TV v, float* p, int count)
    {
        float* src = (float*)&v;
        for (int i = 0; i < count; i++) p[i] = src[i];
    }

    /// <summary>Horizontal sum in double.</summary>
    public static double Sum(TV v)
    {
        float* f = (float*)&v;
        double s = 0;
        for (int i = 0; i < TV.Count; i++) s += f[i];
        return s;
    }
}
