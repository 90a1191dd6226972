using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtSnn.Kernels;

/// <summary>Eight float lanes: <see cref="IVec{TSelf}"/> over <see cref="Vector256{T}"/>.</summary>
internal readonly unsafe struct Vec256(Vector256<float> value) : IVec<Vec256>
{
    private readonly Vector256<float> _v = value;

    public static int Count => Vector256<float>.Count;
    public static Vec256 Zero => new(Vector256<float>.Zero);
    public static Vec256 One => new(Vector256<float>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 Create(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 Load(float* p) => new(Vector256.Load(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vec256 v, float* p) => v._v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 operator +(Vec256 a, Vec256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 operator -(Vec256 a, Vec256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 operator -(Vec256 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 operator *(Vec256 a, Vec256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 operator *(Vec256 a, float b) => new(a._v * b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 operator /(Vec256 a, Vec256 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 operator &(Vec256 a, Vec256 b) => new(a._v & b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 operator |(Vec256 a, Vec256 b) => new(a._v | b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 FusedMultiplyAdd(Vec256 a, Vec256 b, Vec256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 FusedMultiplyAddNegated(Vec256 a, Vec256 b, Vec256 c) => Fma.IsSupported ? new(Fma.MultiplyAddNegated(a._v, b._v, c._v)) : c - a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 Step(Vec256 a, Vec256 b) => new(Vector256.GreaterThanOrEqual(a._v, b._v) & Vector256<float>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 LessThan(Vec256 a, Vec256 b) => new(Vector256.LessThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 Equal(Vec256 a, Vec256 b) => new(Vector256.Equals(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 ConditionalSelect(Vec256 mask, Vec256 a, Vec256 b) => new(Vector256.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 Max(Vec256 a, Vec256 b) => new(Vector256.MaxNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 Min(Vec256 a, Vec256 b) => new(Vector256.MinNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 Abs(Vec256 a) => new(Vector256.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec256 Exp(Vec256 a) => new(Vector256.Exp(a._v));

    /// <summary>The hardware estimate (rcp14 with AVX-512VL, rcp with AVX) refined by one Newton step; a division where neither exists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 Reciprocal(Vec256 d)
    {
        if (Avx512F.VL.IsSupported) return Kernels.Reciprocal.Refine(d, new Vec256(Avx512F.VL.Reciprocal14(d._v)));
        if (Avx.IsSupported) return Kernels.Reciprocal.Refine(d, new Vec256(Avx.Reciprocal(d._v)));
        return One / d;
    }
}
