using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MtSnn.Kernels;

/// <summary>Eight-lane loads and stores that also handle a partial last vector (zero-padded load, partial store).</summary>
internal static unsafe class Lanes
{
    /// <summary>Lanes per vector.</summary>
    public const int Width = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p, int count) => count == Width ? Vector256.Load(p) : LoadPartial(p, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> v, float* p, int count)
    {
        if (count == Width) v.Store(p);
        else StorePartial(v, p, count);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> LoadPartial(float* p, int count)
    {
        Vector256<float> v = default;
        float* dst = (float*)&v;
        for (int i = 0; i < count; i++) dst[i] = p[i];
        return v;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial(Vector256<float> v, float* p, int count)
    {
        float* src = (float*)&v;
        for (int i = 0; i < count; i++) p[i] = src[i];
    }

    /// <summary>Horizontal sum in double.</summary>
    public static double Sum(Vector256<float> v)
    {
        double s = 0;
        for (int i = 0; i < Width; i++) s += v.GetElement(i);
        return s;
    }
}
