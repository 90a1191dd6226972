using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// Element-wise span kernels (additions only). Each element is updated independently, so results do not depend on
/// the vector width (Vector512 where the CPU accelerates it, else Vector256, else <see cref="Vector{T}"/>).
/// </summary>
internal static class VecOps<T> where T : unmanaged, INumber<T>
{
    /// <summary><c>acc[i] = acc[i] + w[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInto(Span<T> acc, ReadOnlySpan<T> w)
    {
        if (w.Length < acc.Length) throw new ArgumentException("weight row shorter than accumulator");
        AddInto(ref MemoryMarshal.GetReference(acc), ref MemoryMarshal.GetReference(w), acc.Length);
    }

    /// <summary><c>acc[i] = acc[i] + w[i]</c> for i &lt; n on raw references (callers guarantee the bounds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInto(ref T acc, ref readonly T w, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                (Vector512.LoadUnsafe(ref acc, (nuint)i) + Vector512.LoadUnsafe(in w, (nuint)i)).StoreUnsafe(ref acc, (nuint)i);
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                (Vector256.LoadUnsafe(ref acc, (nuint)i) + Vector256.LoadUnsafe(in w, (nuint)i)).StoreUnsafe(ref acc, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref acc, i) += Unsafe.Add(ref Unsafe.AsRef(in w), i);
    }

    /// <summary>
    /// <c>acc[i] = (((acc[i] + w0[i]) + w1[i]) + w2[i]) + w3[i]</c> for i &lt; n: the same per-element order as four
    /// <see cref="AddInto(ref T, ref readonly T, int)"/> calls, with four weight streams in flight and one store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInto4(ref T acc, ref readonly T w0, ref readonly T w1, ref readonly T w2, ref readonly T w3, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                nuint u = (nuint)i;
                (Vector512.LoadUnsafe(ref acc, u) + Vector512.LoadUnsafe(in w0, u) + Vector512.LoadUnsafe(in w1, u)
                    + Vector512.LoadUnsafe(in w2, u) + Vector512.LoadUnsafe(in w3, u)).StoreUnsafe(ref acc, u);
            }
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                nuint u = (nuint)i;
                (Vector256.LoadUnsafe(ref acc, u) + Vector256.LoadUnsafe(in w0, u) + Vector256.LoadUnsafe(in w1, u)
                    + Vector256.LoadUnsafe(in w2, u) + Vector256.LoadUnsafe(in w3, u)).StoreUnsafe(ref acc, u);
            }
        for (; i < n; i++)
            Unsafe.Add(ref acc, i) = Unsafe.Add(ref acc, i) + Unsafe.Add(ref Unsafe.AsRef(in w0), i) + Unsafe.Add(ref Unsafe.AsRef(in w1), i)
                + Unsafe.Add(ref Unsafe.AsRef(in w2), i) + Unsafe.Add(ref Unsafe.AsRef(in w3), i);
    }

    /// <summary>Horner doubling <c>acc[i] = acc[i] + acc[i]</c>.</summary>
    public static void Double(Span<T> acc)
    {
        ref T a = ref MemoryMarshal.GetReference(acc);
        int i = 0, n = acc.Length;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var v = Vector512.LoadUnsafe(ref a, (nuint)i);
                (v + v).StoreUnsafe(ref a, (nuint)i);
            }
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = Vector256.LoadUnsafe(ref a, (nuint)i);
                (v + v).StoreUnsafe(ref a, (nuint)i);
            }
        for (; i < n; i++) Unsafe.Add(ref a, i) += Unsafe.Add(ref a, i);
    }
}
