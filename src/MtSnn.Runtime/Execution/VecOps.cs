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
