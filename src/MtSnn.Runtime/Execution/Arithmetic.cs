using System.Numerics;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// The number system of an engine: <see cref="FloatArith"/> (float32) or <see cref="IntArith"/> (int64 fixed
/// point). Stages are written once over it; the JIT specialises them per struct.
/// </summary>
internal interface IArith<T> where T : unmanaged, INumber<T>
{
    /// <summary>True for the integer fixed-point mode.</summary>
    static abstract bool IsInteger { get; }
    /// <summary>A load-time constant in stored units (integer: rounded to nearest, ties to even).</summary>
    static abstract T Const(double x);
    /// <summary>The stored value as a double.</summary>
    static abstract double ToDouble(T x);
    /// <summary><c>x / 2^m</c> (float: exponent decrement; integer: arithmetic shift, floor).</summary>
    static abstract T ShiftRight(T x, int m);
    /// <summary><c>x 2^m</c>.</summary>
    static abstract T ShiftLeft(T x, int m);
    /// <summary>A multiplier constant for <see cref="Mul"/> (integer: Q30 fixed point).</summary>
    static abstract T Multiplier(double f);
    /// <summary><c>x f</c> for a constant from <see cref="Multiplier"/> (integer: 128-bit product, shifted by 30, floor).</summary>
    static abstract T Mul(T x, T multiplier);
}

/// <summary>float32 arithmetic.</summary>
internal readonly struct FloatArith : IArith<float>
{
    public static bool IsInteger => false;
    public static float Const(double x) => (float)x;
    public static double ToDouble(float x) => x;
    public static float ShiftRight(float x, int m) => MathF.ScaleB(x, -m);
    public static float ShiftLeft(float x, int m) => MathF.ScaleB(x, m);
    public static float Multiplier(double f) => (float)f;
    public static float Mul(float x, float multiplier) => x * multiplier;
}

/// <summary>int64 fixed-point arithmetic (values are <c>stored x scale</c>; scales are load-time constants).</summary>
internal readonly struct IntArith : IArith<long>
{
    public static bool IsInteger => true;

    public static long Const(double x)
    {
        double r = Math.Round(x, MidpointRounding.ToEven);
        if (!(Math.Abs(r) < 4.0e18)) throw new NotSupportedException($"integer mode: constant {x} does not fit int64 at this layer's fixed-point scale");
        return (long)r;
    }

    public static double ToDouble(long x) => x;
    public static long ShiftRight(long x, int m) => x >> m;
    public static long ShiftLeft(long x, int m) => x << m;
    public static long Multiplier(double f) => Const(f * (1L << 30));
    public static long Mul(long x, long multiplier) => (long)(((Int128)x * multiplier) >> 30);
}
