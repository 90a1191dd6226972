using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MtSnn.Runtime.Counting;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// Conv2d or linear on a real-valued (dense) input: multiply-accumulates, counted as MACs
/// (<c>Y[o] = b[o] + sum W X</c>). Integer mode accumulates in 128 bits and shifts the sum right by
/// <see cref="Shift"/> (floor) to keep the output scale. Input element (c, y, x) is at
/// <c>c CStride + y YStride + x XStride</c>; a linear layer reads its input in physical order with
/// weights <c>[o][physical i]</c>. Output is HWC.
/// </summary>
internal sealed class DenseMacStage<T> : Stage<T> where T : unmanaged, INumber<T>
{
    public required int InSlot { get; init; }
    public required int OutSlot { get; init; }
    public required T[] Weights { get; init; }
    public required T[]? Bias { get; init; }
    public required int Shift { get; init; }
    /// <summary>True: conv2d; false: linear.</summary>
    public required bool IsConv { get; init; }
    public int InC { get; init; }
    public int InH { get; init; }
    public int InW { get; init; }
    public int CStride { get; init; }
    public int YStride { get; init; }
    public int XStride { get; init; }
    public int OutC { get; init; }
    public int OutH { get; init; }
    public int OutW { get; init; }
    public int Kernel { get; init; }
    public int Stride { get; init; }
    public int Padding { get; init; }

    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var x = ws.Dense[InSlot];
        var y = ws.Dense[OutSlot];
        long macs = typeof(T) == typeof(float) && IsConv
            ? ConvFloat((float[])(object)x, (float[])(object)y)
            : typeof(T) == typeof(float)
            ? Compute<float>(MemoryMarshal.Cast<T, float>(x.AsSpan()), MemoryMarshal.Cast<T, float>(y.AsSpan()), MemoryMarshal.Cast<T, float>(Weights.AsSpan()))
            : Compute<long>(MemoryMarshal.Cast<T, long>(x.AsSpan()), MemoryMarshal.Cast<T, long>(y.AsSpan()), MemoryMarshal.Cast<T, long>(Weights.AsSpan()));
        counts?.AddMacs(macs, convention);
        if (Bias is not null) { VecOps<T>.AddInto(y, Bias); counts?.AddAdditions(y.Length); }
    }

    // float accumulates in float (sequential, no FMA contraction); long accumulates in Int128.
    private long Compute<TV>(ReadOnlySpan<TV> x, Span<TV> y, ReadOnlySpan<TV> w) where TV : unmanaged, INumber<TV> =>
        IsConv ? Conv(x, y, w) : Linear(x, y, w);

    private float[]? _channelLast;

    /// <summary>Float conv weights re-laid out as <c>[c][ky][kx][o]</c> (built on first use; idempotent).</summary>
    private float[] ChannelLast => LazyInitializer.EnsureInitialized(ref _channelLast, () =>
    {
        var w = (float[])(object)Weights;
        int k = Kernel;
        var t = new float[w.Length];
        for (int o = 0; o < OutC; o++)
            for (int c = 0; c < InC; c++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) t[((c * k + ky) * k + kx) * OutC + o] = w[((o * InC + c) * k + ky) * k + kx];
        return t;
    });

    // Float conv vectorised over output channels, rows split over threads: y[oy, ox, :] = sum over (c, ky, kx) in
    // that order of x[c, y, x] * W[:, c, ky, kx]; per element the same order and rounding as the scalar loop
    // (multiply, then add; no FMA), so the result does not depend on the vector width or thread count.
    private long ConvFloat(float[] x, float[] y)
    {
        if (y.Length < OutH * OutW * OutC) throw new InvalidOperationException("dense conv: output size");
        var w = ChannelLast;
        long macs = 0;
        for (int oy = 0; oy < OutH; oy++)
        {
            int y0 = oy * Stride - Padding, kyN = Math.Max(0, Math.Min(Kernel, InH - y0) - Math.Max(0, -y0));
            for (int ox = 0; ox < OutW; ox++)
            {
                int x0 = ox * Stride - Padding, kxN = Math.Max(0, Math.Min(Kernel, InW - x0) - Math.Max(0, -x0));
                macs += (long)OutC * InC * kyN * kxN;
            }
        }
        IntraOp.For(Threads, macs, OutH, 1, (lo, hi) => ConvRows(x, y, w, lo, hi));
        return macs;
    }

    private void ConvRows(float[] xa, float[] ya, float[] wa, int rowLo, int rowHi)
    {
        int k = Kernel, co = OutC;
        ReadOnlySpan<float> x = xa;
        for (int oy = rowLo; oy < rowHi; oy++)
        {
            int y0 = oy * Stride - Padding, kyLo = Math.Max(0, -y0), kyHi = Math.Min(k, InH - y0);
            for (int ox = 0; ox < OutW; ox++)
            {
                int x0 = ox * Stride - Padding, kxLo = Math.Max(0, -x0), kxHi = Math.Min(k, InW - x0);
                var acc = ya.AsSpan((oy * OutW + ox) * co, co);
                acc.Clear();
                for (int c = 0; c < InC; c++)
                    for (int ky = kyLo; ky < kyHi; ky++)
                        for (int kx = kxLo; kx < kxHi; kx++)
                            MulAddInto(acc, wa.AsSpan(((c * k + ky) * k + kx) * co, co), x[c * CStride + (y0 + ky) * YStride + (x0 + kx) * XStride]);
            }
        }
    }

    /// <summary><c>acc[i] = acc[i] + w[i] s</c>, product rounded before the addition (no FMA).</summary>
    private static void MulAddInto(Span<float> acc, ReadOnlySpan<float> w, float s)
    {
        int i = 0, n = acc.Length;
        ref float a = ref MemoryMarshal.GetReference(acc);
        ref float b = ref MemoryMarshal.GetReference(w[..n]);
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            for (; i <= n - 16; i += 16)
                (Vector512.LoadUnsafe(ref a, (nuint)i) + Vector512.LoadUnsafe(ref b, (nuint)i) * vs).StoreUnsafe(ref a, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - 8; i += 8)
                (Vector256.LoadUnsafe(ref a, (nuint)i) + Vector256.LoadUnsafe(ref b, (nuint)i) * vs).StoreUnsafe(ref a, (nuint)i);
        }
        for (; i < n; i++) acc[i] += w[i] * s;
    }

    private long Linear<TV>(ReadOnlySpan<TV> x, Span<TV> y, ReadOnlySpan<TV> w) where TV : unmanaged, INumber<TV>
    {
        int n = x.Length;
        for (int o = 0; o < y.Length; o++) y[o] = Dot(x, w.Slice(o * n, n));
        return (long)n * y.Length;
    }

    private long Conv<TV>(ReadOnlySpan<TV> x, Span<TV> y, ReadOnlySpan<TV> w) where TV : unmanaged, INumber<TV>
    {
        int k = Kernel;
        long macs = 0;
        for (int oy = 0; oy < OutH; oy++)
        {
            int y0 = oy * Stride - Padding, kyLo = Math.Max(0, -y0), kyHi = Math.Min(k, InH - y0);
            for (int ox = 0; ox < OutW; ox++)
            {
                int x0 = ox * Stride - Padding, kxLo = Math.Max(0, -x0), kxHi = Math.Min(k, InW - x0);
                for (int o = 0; o < OutC; o++)
                {
                    if (typeof(TV) == typeof(float))
                    {
                        float acc = 0;
                        for (int c = 0; c < InC; c++)
                            for (int ky = kyLo; ky < kyHi; ky++)
                                for (int kx = kxLo; kx < kxHi; kx++)
                                    acc += float.CreateTruncating(w[((o * InC + c) * k + ky) * k + kx]) * float.CreateTruncating(x[c * CStride + (y0 + ky) * YStride + (x0 + kx) * XStride]);
                        y[(oy * OutW + ox) * OutC + o] = TV.CreateTruncating(acc);
                    }
                    else
                    {
                        Int128 acc = 0;
                        for (int c = 0; c < InC; c++)
                            for (int ky = kyLo; ky < kyHi; ky++)
                                for (int kx = kxLo; kx < kxHi; kx++)
                                    acc += Int128.CreateTruncating(w[((o * InC + c) * k + ky) * k + kx]) * Int128.CreateTruncating(x[c * CStride + (y0 + ky) * YStride + (x0 + kx) * XStride]);
                        y[(oy * OutW + ox) * OutC + o] = TV.CreateTruncating(acc >> Shift);
                    }
                }
                macs += (long)OutC * InC * Math.Max(0, kyHi - kyLo) * Math.Max(0, kxHi - kxLo);
            }
        }
        return macs;
    }

    private TV Dot<TV>(ReadOnlySpan<TV> x, ReadOnlySpan<TV> w) where TV : unmanaged, INumber<TV>
    {
        if (typeof(TV) == typeof(float))
        {
            float acc = 0;
            for (int i = 0; i < x.Length; i++) acc += float.CreateTruncating(w[i]) * float.CreateTruncating(x[i]);
            return TV.CreateTruncating(acc);
        }
        Int128 a = 0;
        for (int i = 0; i < x.Length; i++) a += Int128.CreateTruncating(w[i]) * Int128.CreateTruncating(x[i]);
        return TV.CreateTruncating(a >> Shift);
    }
}
