using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MtSnn.Runtime.Counting;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// One input spike plane as a synaptic layer reads it: its source slot and level, the weight copy it adds
/// (explicit weights: <c>lambda_k W</c>), its Horner position, and <c>lambda / lambda_min</c> for the
/// integer-count SOP convention.
/// </summary>
internal readonly record struct PlaneRef(int Slot, int Level, int Copy, int Position, double IntegerWeight);

/// <summary>
/// The event-driven accumulation shared by linear and conv layers on spikes (MT-SNN.md §3): for every Horner
/// position q: <c>acc = acc + acc</c> (q &gt; 0), then for every active spike of each plane at q, add its weight
/// column; finally add the bias. With positions = 1 this is a plain sum (uniform / explicit copies).
/// </summary>
internal abstract class SpikeSynapseStage<T> : Stage<T> where T : unmanaged, INumber<T>
{
    public required PlaneRef[] Planes { get; init; }
    public required int Positions { get; init; }
    public required T[][] Copies { get; init; }
    public required T[]? Bias { get; init; }
    public required int OutSlot { get; init; }

    /// <summary>
    /// Runs the accumulation with the output columns split over <see cref="Stage{T}.Threads"/> (large layers only):
    /// every output element sees the same operations in the same order as in one serial pass.
    /// </summary>
    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var acc = ws.Dense[OutSlot];
        acc.AsSpan().Clear();
        int width = RowLength;
        long work = 0;
        foreach (var plane in Planes) work += EstimateWork(ws.Spikes[plane.Slot].Counts[plane.Level]);
        var rows = new long[Planes.Length];
        object? prepared = Prepare(ws);
        Execute(ws, acc, rows, prepared, work);
        if (counts is not null)
            for (int q = 0; q < Positions; q++)
            {
                int first = -1;
                for (int p = 0; p < Planes.Length; p++)
                {
                    if (Planes[p].Position != q) continue;
                    if (first < 0)
                    {
                        first = p;
                        if (q > 0) counts.AddMerge(p, acc.Length);
                    }
                    counts.AddSops(p, rows[p] * width, Planes[p].IntegerWeight);
                }
                if (first < 0 && q > 0) counts.AddMerge(0, acc.Length);
            }
        if (Bias is not null) { VecOps<T>.AddInto(acc, Bias); counts?.AddAdditions(acc.Length); }
    }

    /// <summary>Horner evaluation restricted to columns <c>[lo, hi)</c>; records each plane's rows when asked.</summary>
    protected virtual void RunColumns(Workspace<T> ws, T[] acc, int lo, int hi, long[]? rows, object? prepared)
    {
        for (int q = 0; q < Positions; q++)
        {
            int first = -1;
            for (int p = 0; p < Planes.Length; p++)
            {
                if (Planes[p].Position != q) continue;
                if (first < 0)
                {
                    first = p;
                    if (q > 0) DoubleColumns(acc, lo, hi);
                }
                var plane = Planes[p];
                var spikes = ws.Spikes[plane.Slot];
                long r = Scatter(acc, spikes.Events[plane.Level], spikes.Counts[plane.Level], Copies[plane.Copy], lo, hi);
                if (rows is not null) rows[p] = r;
            }
            if (first < 0 && q > 0) DoubleColumns(acc, lo, hi);
        }
    }

    /// <summary>Runs all planes into <paramref name="acc"/>, recording each plane's rows (default: output columns split over threads).</summary>
    protected virtual void Execute(Workspace<T> ws, T[] acc, long[] rows, object? prepared, long work) =>
        IntraOp.For(Threads, work, RowLength, 16, (lo, hi) => RunColumns(ws, acc, lo, hi, lo == 0 ? rows : null, prepared));

    /// <summary>Per-call data shared by all column ranges, built before the fork (default: none).</summary>
    protected virtual object? Prepare(Workspace<T> ws) => null;

    /// <summary>Length of one weight row (the output elements one synapse event touches per output position).</summary>
    protected abstract int RowLength { get; }

    /// <summary>Estimated number of accumulates of <paramref name="count"/> events (decides whether to fork).</summary>
    protected abstract long EstimateWork(int count);

    /// <summary><c>acc = acc + acc</c> on columns <c>[lo, hi)</c> of every output position.</summary>
    protected abstract void DoubleColumns(T[] acc, int lo, int hi);

    /// <summary>Adds columns <c>[lo, hi)</c> of every event's weight rows; returns the number of rows added.</summary>
    protected abstract long Scatter(T[] acc, int[] events, int count, T[] weights, int lo, int hi);
}

/// <summary>Linear on spikes: event at input index i adds weight column <c>RowOf[i]</c> (<c>W^T</c> row, length out).</summary>
internal sealed class SpikeLinearStage<T> : SpikeSynapseStage<T> where T : unmanaged, INumber<T>
{
    /// <summary>Input physical index to weight row (-1: no synapse, e.g. cut off by a folded pooling).</summary>
    public required int[] RowOf { get; init; }

    /// <summary>Output features (length of a weight row).</summary>
    public required int OutFeatures { get; init; }

    protected override int RowLength => OutFeatures;

    protected override void DoubleColumns(T[] acc, int lo, int hi) => VecOps<T>.Double(acc.AsSpan(lo, hi - lo));

    protected override long EstimateWork(int count) => (long)count * OutFeatures;

    protected override long Scatter(T[] acc, int[] events, int count, T[] weights, int lo, int hi)
    {
        int n = OutFeatures, width = hi - lo;
        if (acc.Length < n) throw new InvalidOperationException("spike linear: accumulator size");
        int available = weights.Length / n;
        ref T a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(acc), lo);
        ref T w = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(weights), lo);
        var rowOf = RowOf;
        long rows = 0;
        Span<int> pending = stackalloc int[4];
        int held = 0;
        for (int i = 0; i < count; i++)
        {
            int r = rowOf[events[i]];
            if (r < 0) continue;
            if (r >= available) throw new InvalidOperationException("spike linear: weight row out of range");
            rows++;
            pending[held++] = r;
            if (held < 4) continue;
            // Four rows at once, added in event order per element (identical to four single adds).
            VecOps<T>.AddInto4(ref a, in Unsafe.Add(ref w, (nint)pending[0] * n), in Unsafe.Add(ref w, (nint)pending[1] * n),
                in Unsafe.Add(ref w, (nint)pending[2] * n), in Unsafe.Add(ref w, (nint)pending[3] * n), width);
            held = 0;
        }
        for (int j = 0; j < held; j++) VecOps<T>.AddInto(ref a, in Unsafe.Add(ref w, (nint)pending[j] * n), width);
        return rows;
    }
}

/// <summary>
/// Conv2d on spikes: a spike at input (c, y, x) scatters its kernel <c>W[:, c, ky, kx]</c> to every output
/// (oy, ox) with <c>oy s - p + ky = y</c>, <c>ox s - p + kx = x</c>. Output is HWC, weights <c>[c][ky][kx][o]</c>.
/// </summary>
internal sealed partial class SpikeConvStage<T> : SpikeSynapseStage<T> where T : unmanaged, INumber<T>
{
    /// <summary>Input physical index to packed <c>(c H + y) W + x</c> in conv-input coordinates (-1: dropped).</summary>
    public required int[] Decode { get; init; }
    public required int InH { get; init; }
    public required int InW { get; init; }
    public required int OutH { get; init; }
    public required int OutW { get; init; }
    public required int OutC { get; init; }
    public required int Kernel { get; init; }
    public required int Stride { get; init; }
    public required int Padding { get; init; }

    protected override int RowLength => OutC;

    protected override void DoubleColumns(T[] acc, int lo, int hi)
    {
        if (lo == 0 && hi == OutC) { VecOps<T>.Double(acc.AsSpan(0, OutH * OutW * OutC)); return; }
        for (int pos = 0; pos < OutH * OutW; pos++) VecOps<T>.Double(acc.AsSpan(pos * OutC + lo, hi - lo));
    }

    protected override long EstimateWork(int count) => (long)count * Kernel * Kernel * OutC;

    protected override long Scatter(T[] acc, int[] events, int count, T[] weights, int lo, int hi)
    {
        int k = Kernel, s = Stride, co = OutC, width = hi - lo, inW = InW, inH = InH, pad = Padding, outW = OutW, outH = OutH;
        if (acc.Length < outH * outW * co) throw new InvalidOperationException("spike conv: accumulator size");
        int channels = weights.Length / (k * k * co);
        ref T a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(acc), lo);
        ref T w = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(weights), lo);
        var decode = Decode;
        long rows = 0;
        for (int i = 0; i < count; i++)
        {
            int packed = decode[events[i]];
            if (packed < 0) continue;
            int x = packed % inW, y = packed / inW % inH, c = packed / (inW * inH);
            if (c >= channels) throw new InvalidOperationException("spike conv: input channel out of range");
            for (int ky = 0; ky < k; ky++)
            {
                int ty = y + pad - ky;
                if (ty < 0) break;
                if (ty % s != 0) continue;
                int oy = ty / s;
                if (oy >= outH) continue;
                for (int kx = 0; kx < k; kx++)
                {
                    int tx = x + pad - kx;
                    if (tx < 0) break;
                    if (tx % s != 0) continue;
                    int ox = tx / s;
                    if (ox >= outW) continue;
                    VecOps<T>.AddInto(ref Unsafe.Add(ref a, (oy * outW + ox) * co), in Unsafe.Add(ref w, ((c * k + ky) * k + kx) * co), width);
                    rows++;
                }
            }
        }
        return rows;
    }
}
