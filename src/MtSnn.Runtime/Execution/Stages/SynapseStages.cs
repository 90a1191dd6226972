using System.Numerics;
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

    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var acc = ws.Dense[OutSlot].AsSpan();
        acc.Clear();
        for (int q = 0; q < Positions; q++)
        {
            int first = -1;
            for (int p = 0; p < Planes.Length; p++)
            {
                if (Planes[p].Position != q) continue;
                if (first < 0)
                {
                    first = p;
                    if (q > 0) { VecOps<T>.Double(acc); counts?.AddMerge(p, acc.Length); }
                }
                var plane = Planes[p];
                long sops = Scatter(acc, ws.Spikes[plane.Slot].Active(plane.Level), Copies[plane.Copy]);
                counts?.AddSops(p, sops, plane.IntegerWeight);
            }
            if (first < 0 && q > 0) { VecOps<T>.Double(acc); counts?.AddMerge(0, acc.Length); }
        }
        if (Bias is not null) { VecOps<T>.AddInto(acc, Bias); counts?.AddAdditions(acc.Length); }
    }

    /// <summary>Adds the weights of every event into <paramref name="acc"/>; returns the number of accumulates.</summary>
    protected abstract long Scatter(Span<T> acc, ReadOnlySpan<int> events, T[] weights);
}

/// <summary>Linear on spikes: event at input index i adds weight column <c>RowOf[i]</c> (<c>W^T</c> row, length out).</summary>
internal sealed class SpikeLinearStage<T> : SpikeSynapseStage<T> where T : unmanaged, INumber<T>
{
    /// <summary>Input physical index to weight row (-1: no synapse, e.g. cut off by a folded pooling).</summary>
    public required int[] RowOf { get; init; }

    protected override long Scatter(Span<T> acc, ReadOnlySpan<int> events, T[] weights)
    {
        int n = acc.Length;
        long sops = 0;
        foreach (int e in events)
        {
            int r = RowOf[e];
            if (r < 0) continue;
            VecOps<T>.AddInto(acc, weights.AsSpan(r * n, n));
            sops += n;
        }
        return sops;
    }
}

/// <summary>
/// Conv2d on spikes: a spike at input (c, y, x) scatters its kernel <c>W[:, c, ky, kx]</c> to every output
/// (oy, ox) with <c>oy s - p + ky = y</c>, <c>ox s - p + kx = x</c>. Output is HWC, weights <c>[c][ky][kx][o]</c>.
/// </summary>
internal sealed class SpikeConvStage<T> : SpikeSynapseStage<T> where T : unmanaged, INumber<T>
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

    protected override long Scatter(Span<T> acc, ReadOnlySpan<int> events, T[] weights)
    {
        int k = Kernel, s = Stride, co = OutC;
        long sops = 0;
        foreach (int e in events)
        {
            int packed = Decode[e];
            if (packed < 0) continue;
            int x = packed % InW, y = packed / InW % InH, c = packed / (InW * InH);
            for (int ky = 0; ky < k; ky++)
            {
                int ty = y + Padding - ky;
                if (ty < 0) break;
                if (ty % s != 0) continue;
                int oy = ty / s;
                if (oy >= OutH) continue;
                for (int kx = 0; kx < k; kx++)
                {
                    int tx = x + Padding - kx;
                    if (tx < 0) break;
                    if (tx % s != 0) continue;
                    int ox = tx / s;
                    if (ox >= OutW) continue;
                    VecOps<T>.AddInto(acc.Slice((oy * OutW + ox) * co, co), weights.AsSpan(((c * k + ky) * k + kx) * co, co));
                    sops += co;
                }
            }
        }
        return sops;
    }
}
