using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtSnn.Kernels;

/// <summary>Sixteen float lanes: <see cref="IVec{TSelf}"/> over <see cref="Vector512{T}"/>.</summary>
internal readonly unsafe struct Vec512(Vector512<float> value) : IVec<Vec512>
{
    private readonly Vector512<float> _v = value;

    public static int Count => Vector512<float>.Count;
    public static Vec512 Zero => new(Vector512<float>.Zero);
    public static Vec512 One => new(Vector512<float>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 Create(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 Load(float* p) => new(Vector512.Load(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vec512 v, float* p) => v._v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 operator +(Vec512 a, Vec512 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 operator -(Vec512 a, Vec512 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 operator -(Vec512 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 operator *(Vec512 a, Vec512 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 operator *(Vec512 a, float b) => new(a._v * b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 operator /(Vec512 a, Vec512 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 operator &(Vec512 a, Vec512 b) => new(a._v & b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 operator |(Vec512 a, Vec512 b) => new(a._v | b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 FusedMultiplyAdd(Vec512 a, Vec512 b, Vec512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 FusedMultiplyAddNegated(Vec512 a, Vec512 b, Vec512 c) => Avx512F.IsSupported ? new(Avx512F.FusedMultiplyAddNegated(a._v, b._v, c._v)) : c - a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 Step(Vec512 a, Vec512 b) => new(Vector512.GreaterThanOrEqual(a._v, b._v) & Vector512<float>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 LessThan(Vec512 a, Vec512 b) => new(Vector512.LessThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 Equal(Vec512 a, Vec512 b) => new(Vector512.Equals(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 ConditionalSelect(Vec512 mask, Vec512 a, Vec512 b) => new(Vector512.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 Max(Vec512 a, Vec512 b) => new(Vector512.MaxNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 Min(Vec512 a, Vec512 b) => new(Vector512.MinNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 Abs(Vec512 a) => new(Vector512.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vec512 Exp(Vec512 a) => new(Vector512.Exp(a._v));

    /// <summary>The hardware estimate (rcp14 with AVX-512F) refined by one Newton step; a division without it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 Reciprocal(Vec512 d)
    {
        if (Avx512F.IsSupported) return Kernels.Reciprocal.Refine(d, new Vec512(Avx512F.Reciprocal14(d._v)));
        return One / d;
    }
}
