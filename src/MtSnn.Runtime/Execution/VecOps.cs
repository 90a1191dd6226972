using System.Numerics;
using System.Runtime.InteropServices;

namespace MtSnn.Runtime.Execution;

/// <summary>Element-wise span kernels (additions only). Each element is updated independently, so results do not depend on the vector width.</summary>
internal static class VecOps<T> where T : unmanaged, INumber<T>
{
    /// <summary><c>acc[i] = acc[i] + w[i]</c>.</summary>
    public static void AddInto(Span<T> acc, ReadOnlySpan<T> w)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && acc.Length >= Vector<T>.Count)
        {
            var va = MemoryMarshal.Cast<T, Vector<T>>(acc);
            var vw = MemoryMarshal.Cast<T, Vector<T>>(w[..acc.Length]);
            for (int j = 0; j < va.Length; j++) va[j] += vw[j];
            i = va.Length * Vector<T>.Count;
        }
        for (; i < acc.Length; i++) acc[i] += w[i];
    }

    /// <summary>Horner doubling <c>acc[i] = acc[i] + acc[i]</c>.</summary>
    public static void Double(Span<T> acc)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && acc.Length >= Vector<T>.Count)
        {
            var va = MemoryMarshal.Cast<T, Vector<T>>(acc);
            for (int j = 0; j < va.Length; j++) va[j] += va[j];
            i = va.Length * Vector<T>.Count;
        }
        for (; i < acc.Length; i++) acc[i] += acc[i];
    }
}
