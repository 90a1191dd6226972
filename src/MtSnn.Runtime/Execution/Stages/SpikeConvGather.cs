using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// Gather form of the spike conv (same operations, same order): when the input is HWC and every plane's events
/// are ascending, the events reaching output (oy, ox) in scatter order are exactly the input pixels of its window
/// in ascending (iy, ix), and within a pixel the active channels in ascending c. So each output row is summed in
/// registers over all positions and planes (Horner doubling included) and stored once, instead of being loaded
/// and stored once per event.
/// </summary>
internal sealed partial class SpikeConvStage<T>
{
    /// <summary>Per plane: pixel start offsets (<c>InH InW + 1</c>) into the grouped channel list.</summary>
    private sealed record PixelIndex(int[][] Starts, int[][] Channels);

    protected override object? Prepare(Workspace<T> ws)
    {
        if (!Vector512.IsHardwareAccelerated || !Vector512<T>.IsSupported) return null;
        int pixels = InH * InW, channels = Copies[0].Length / (Kernel * Kernel * OutC);
        var starts = new int[Planes.Length][];
        var chans = new int[Planes.Length][];
        for (int p = 0; p < Planes.Length; p++)
        {
            var spikes = ws.Spikes[Planes[p].Slot];
            var events = spikes.Events[Planes[p].Level];
            int n = spikes.Counts[Planes[p].Level], prev = -1;
            var st = starts[p] = new int[pixels + 1];
            var ch = chans[p] = new int[n];
            for (int i = 0; i < n; i++)
            {
                int phys = events[i], packed = Decode[phys];
                if (phys <= prev || packed < 0) return null;
                int c = packed / pixels, pix = packed - c * pixels;
                if (c >= channels || phys != pix * channels + c) return null;
                prev = phys;
                st[pix + 1]++;
                ch[i] = c;
            }
            for (int j = 0; j < pixels; j++) st[j + 1] += st[j];
        }
        return new PixelIndex(starts, chans);
    }

    /// <summary>Gather: output rows split over threads (all columns per thread, so the 8-register path stays in use).</summary>
    protected override void Execute(Workspace<T> ws, T[] acc, long[] rows, object? prepared, long work)
    {
        if (prepared is not PixelIndex index) { base.Execute(ws, acc, rows, prepared, work); return; }
        IntraOp.For(Threads, work, OutH, 1, (lo, hi) =>
        {
            var part = new long[rows.Length];
            GatherRows(acc, 0, OutC, lo, hi, index, part);
            lock (rows)
                for (int p = 0; p < rows.Length; p++) rows[p] += part[p];
        });
    }

    /// <summary>Columns <c>[lo, hi)</c> of output rows <c>[oyLo, oyHi)</c>.</summary>
    private void GatherRows(T[] acc, int lo, int hi, int oyLo, int oyHi, PixelIndex index, long[]? rows)
    {
        int chunk = 4 * Vector512<T>.Count, cb = lo;
        for (; cb + 2 * chunk <= hi; cb += 2 * chunk) GatherRegisters8(acc, cb, oyLo, oyHi, index, cb == lo ? rows : null);
        for (; cb + chunk <= hi; cb += chunk) GatherRegisters(acc, cb, oyLo, oyHi, index, cb == lo ? rows : null);
        if (cb < hi) GatherMemory(acc, cb, hi, oyLo, oyHi, index, cb == lo ? rows : null);
    }

    /// <summary>Visits, for output (oy, ox), every (plane, weight row) in scatter order; window bounds in input pixels.</summary>
    private (int Iy0, int KyLo, int KyHi, int Ix0, int KxLo, int KxHi) Window(int oy, int ox)
    {
        int iy0 = oy * Stride - Padding, ix0 = ox * Stride - Padding;
        return (iy0, Math.Max(0, -iy0), Math.Min(Kernel, InH - iy0), ix0, Math.Max(0, -ix0), Math.Min(Kernel, InW - ix0));
    }

    private void GatherRegisters(T[] acc, int cb, int oyLo, int oyHi, PixelIndex index, long[]? rows)
    {
        int k = Kernel, co = OutC, vc = Vector512<T>.Count;
        if (acc.Length < OutH * OutW * co || cb + 4 * vc > co) throw new InvalidOperationException("spike conv: accumulator size");
        for (int oy = oyLo; oy < oyHi; oy++)
            for (int ox = 0; ox < OutW; ox++)
            {
                var (iy0, kyLo, kyHi, ix0, kxLo, kxHi) = Window(oy, ox);
                Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int q = 0; q < Positions; q++)
                {
                    if (q > 0) { a0 += a0; a1 += a1; a2 += a2; a3 += a3; }
                    for (int p = 0; p < Planes.Length; p++)
                    {
                        if (Planes[p].Position != q) continue;
                        var w = Copies[Planes[p].Copy];
                        ref T wr = ref MemoryMarshal.GetArrayDataReference(w);
                        var st = index.Starts[p];
                        var ch = index.Channels[p];
                        long added = 0;
                        for (int ky = kyLo; ky < kyHi; ky++)
                            for (int kx = kxLo; kx < kxHi; kx++)
                            {
                                int pix = (iy0 + ky) * InW + ix0 + kx, j0 = st[pix], j1 = st[pix + 1];
                                added += j1 - j0;
                                for (int j = j0; j < j1; j++)
                                {
                                    int off = ((ch[j] * k + ky) * k + kx) * co + cb;
                                    if ((uint)(off + 4 * vc) > (uint)w.Length) throw new InvalidOperationException("spike conv: weight row out of range");
                                    ref T r = ref Unsafe.Add(ref wr, off);
                                    a0 += Vector512.LoadUnsafe(ref r);
                                    a1 += Vector512.LoadUnsafe(ref r, (nuint)vc);
                                    a2 += Vector512.LoadUnsafe(ref r, (nuint)(2 * vc));
                                    a3 += Vector512.LoadUnsafe(ref r, (nuint)(3 * vc));
                                }
                            }
                        if (rows is not null) rows[p] += added;
                    }
                }
                ref T dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(acc), (oy * OutW + ox) * co + cb);
                a0.StoreUnsafe(ref dst);
                a1.StoreUnsafe(ref dst, (nuint)vc);
                a2.StoreUnsafe(ref dst, (nuint)(2 * vc));
                a3.StoreUnsafe(ref dst, (nuint)(3 * vc));
            }
    }

    /// <summary>As <see cref="GatherRegisters"/> with eight vector accumulators (twice the independent add chains).</summary>
    private void GatherRegisters8(T[] acc, int cb, int oyLo, int oyHi, PixelIndex index, long[]? rows)
    {
        int k = Kernel, co = OutC, vc = Vector512<T>.Count;
        if (acc.Length < OutH * OutW * co || cb + 8 * vc > co) throw new InvalidOperationException("spike conv: accumulator size");
        for (int oy = oyLo; oy < oyHi; oy++)
            for (int ox = 0; ox < OutW; ox++)
            {
                var (iy0, kyLo, kyHi, ix0, kxLo, kxHi) = Window(oy, ox);
                Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                for (int q = 0; q < Positions; q++)
                {
                    if (q > 0) { a0 += a0; a1 += a1; a2 += a2; a3 += a3; a4 += a4; a5 += a5; a6 += a6; a7 += a7; }
                    for (int p = 0; p < Planes.Length; p++)
                    {
                        if (Planes[p].Position != q) continue;
                        var w = Copies[Planes[p].Copy];
                        ref T wr = ref MemoryMarshal.GetArrayDataReference(w);
                        var st = index.Starts[p];
                        var ch = index.Channels[p];
                        long added = 0;
                        for (int ky = kyLo; ky < kyHi; ky++)
                            for (int kx = kxLo; kx < kxHi; kx++)
                            {
                                int pix = (iy0 + ky) * InW + ix0 + kx, j0 = st[pix], j1 = st[pix + 1];
                                added += j1 - j0;
                                for (int j = j0; j < j1; j++)
                                {
                                    int off = ((ch[j] * k + ky) * k + kx) * co + cb;
                                    if ((uint)(off + 8 * vc) > (uint)w.Length) throw new InvalidOperationException("spike conv: weight row out of range");
                                    ref T r = ref Unsafe.Add(ref wr, off);
                                    a0 += Vector512.LoadUnsafe(ref r);
                                    a1 += Vector512.LoadUnsafe(ref r, (nuint)vc);
                                    a2 += Vector512.LoadUnsafe(ref r, (nuint)(2 * vc));
                                    a3 += Vector512.LoadUnsafe(ref r, (nuint)(3 * vc));
                                    a4 += Vector512.LoadUnsafe(ref r, (nuint)(4 * vc));
                                    a5 += Vector512.LoadUnsafe(ref r, (nuint)(5 * vc));
                                    a6 += Vector512.LoadUnsafe(ref r, (nuint)(6 * vc));
                                    a7 += Vector512.LoadUnsafe(ref r, (nuint)(7 * vc));
                                }
                            }
                        if (rows is not null) rows[p] += added;
                    }
                }
                ref T dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(acc), (oy * OutW + ox) * co + cb);
                a0.StoreUnsafe(ref dst);
                a1.StoreUnsafe(ref dst, (nuint)vc);
                a2.StoreUnsafe(ref dst, (nuint)(2 * vc));
                a3.StoreUnsafe(ref dst, (nuint)(3 * vc));
                a4.StoreUnsafe(ref dst, (nuint)(4 * vc));
                a5.StoreUnsafe(ref dst, (nuint)(5 * vc));
                a6.StoreUnsafe(ref dst, (nuint)(6 * vc));
                a7.StoreUnsafe(ref dst, (nuint)(7 * vc));
            }
    }

    /// <summary>The same gather order for a column range narrower than a register chunk, summed in the output row.</summary>
    private void GatherMemory(T[] acc, int lo, int hi, int oyLo, int oyHi, PixelIndex index, long[]? rows)
    {
        int k = Kernel, co = OutC, width = hi - lo;
        for (int oy = oyLo; oy < oyHi; oy++)
            for (int ox = 0; ox < OutW; ox++)
            {
                var (iy0, kyLo, kyHi, ix0, kxLo, kxHi) = Window(oy, ox);
                var a = acc.AsSpan((oy * OutW + ox) * co + lo, width);
                a.Clear();
                for (int q = 0; q < Positions; q++)
                {
                    if (q > 0) VecOps<T>.Double(a);
                    for (int p = 0; p < Planes.Length; p++)
                    {
                        if (Planes[p].Position != q) continue;
                        var w = Copies[Planes[p].Copy];
                        var st = index.Starts[p];
                        var ch = index.Channels[p];
                        for (int ky = kyLo; ky < kyHi; ky++)
                            for (int kx = kxLo; kx < kxHi; kx++)
                            {
                                int pix = (iy0 + ky) * InW + ix0 + kx;
                                for (int j = st[pix]; j < st[pix + 1]; j++)
                                    VecOps<T>.AddInto(a, w.AsSpan(((ch[j] * k + ky) * k + kx) * co + lo, width));
                                if (rows is not null) rows[p] += st[pix + 1] - st[pix];
                            }
                    }
                }
            }
    }
}
