namespace MtSnn.Kernels;

/// <summary>
/// A vector of <see cref="Count"/> float lanes: exactly the operations the fused CPU kernels use. Implemented by
/// <see cref="Vec256"/> and <see cref="Vec512"/>; kernels are generic over <c>TV : unmanaged, IVec&lt;TV&gt;</c>, and the
/// JIT compiles one specialised body per width (no interface calls, no boxing). Compares return lane masks (all bits
/// set where true) that are meant for <c>&amp;</c> and <see cref="ConditionalSelect"/>.
/// </summary>
internal unsafe interface IVec<TSelf> where TSelf : unmanaged, IVec<TSelf>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    /// <summary>All lanes 0.</summary>
    static abstract TSelf Zero { get; }
    /// <summary>All lanes 1.</summary>
    static abstract TSelf One { get; }
    /// <summary>All lanes <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);
    /// <summary>Loads <see cref="Count"/> floats (no alignment needed).</summary>
    static abstract TSelf Load(float* p);
    /// <summary>Stores <see cref="Count"/> floats (no alignment needed).</summary>
    static abstract void Store(TSelf v, float* p);

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, float b);
    static abstract TSelf operator /(TSelf a, TSelf b);
    static abstract TSelf operator &(TSelf a, TSelf b);
    static abstract TSelf operator |(TSelf a, TSelf b);

    /// <summary><c>a b + c</c>, fused where the hardware has it.</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);
    /// <summary><c>c - a b</c>, fused where the hardware has it.</summary>
    static abstract TSelf FusedMultiplyAddNegated(TSelf a, TSelf b, TSelf c);
    /// <summary><c>Step(a - b)</c>: 1 where <c>a &gt;= b</c>, else 0.</summary>
    static abstract TSelf Step(TSelf a, TSelf b);
    /// <summary>Lane mask <c>a &lt; b</c>.</summary>
    static abstract TSelf LessThan(TSelf a, TSelf b);
    /// <summary>Lane mask <c>a == b</c>.</summary>
    static abstract TSelf Equal(TSelf a, TSelf b);
    /// <summary>Per lane: <paramref name="mask"/> ? <paramref name="a"/> : <paramref name="b"/>.</summary>
    static abstract TSelf ConditionalSelect(TSelf mask, TSelf a, TSelf b);
    /// <summary>Lane-wise maximum, the hardware's instruction (for finite inputs; NaN and -0 as the instruction treats them).</summary>
    static abstract TSelf Max(TSelf a, TSelf b);
    /// <summary>Lane-wise minimum, the hardware's instruction (for finite inputs; NaN and -0 as the instruction treats them).</summary>
    static abstract TSelf Min(TSelf a, TSelf b);
    /// <summary>Lane-wise <c>|a|</c>.</summary>
    static abstract TSelf Abs(TSelf a);
    /// <summary>Lane-wise <c>e^a</c>.</summary>
    static abstract TSelf Exp(TSelf a);
    /// <summary><c>1/d</c> for <c>d &gt;= 1</c>, relative error below 1e-6 (see <see cref="Reciprocal"/>).</summary>
    static abstract TSelf Reciprocal(TSelf d);
}

/// <summary>
/// <c>1/d</c> for d &gt;= 1 (all surrogate denominators are): the hardware estimate (rcp14 with AVX-512, rcp with AVX,
/// relative error up to 1.5 * 2^-12) refined by one Newton step <c>r (2 - d r)</c>, relative error below 1e-6.
/// </summary>
internal static class Reciprocal
{
    /// <summary>One Newton step from the estimate <paramref name="r"/> of <c>1/d</c>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static TV Refine<TV>(TV d, TV r) where TV : unmanaged, IVec<TV> => TV.FusedMultiplyAdd(r, TV.FusedMultiplyAddNegated(d, r, TV.One), r);
}
