using System.Numerics;
using MtSnn.Runtime.Counting;

namespace MtSnn.Runtime.Execution;

/// <summary>Window geometry shared by the pooling stages: input element (c, y, x) at <c>c CStride + y YStride + x XStride</c>; output HWC.</summary>
internal abstract class PoolStage<T> : Stage<T> where T : unmanaged, INumber<T>
{
    public required int InSlot { get; init; }
    public required int OutSlot { get; init; }
    public required int C { get; init; }
    public required int InH { get; init; }
    public required int InW { get; init; }
    public required int CStride { get; init; }
    public required int YStride { get; init; }
    public required int XStride { get; init; }
    public required int OutH { get; init; }
    public required int OutW { get; init; }
    public required int Kernel { get; init; }
    public required int Stride { get; init; }
    public required int Padding { get; init; }

    /// <summary>Window rows/cols inside the input: <c>[lo, hi)</c> around <c>o s - p</c>.</summary>
    protected (int Lo, int Hi) Span1(int o, int size)
    {
        int start = o * Stride - Padding;
        return (Math.Max(0, start), Math.Min(size, start + Kernel));
    }
}

/// <summary>Max pooling of a dense value: <c>Y = max_window X</c>, (window - 1) comparisons per output.</summary>
internal sealed class DenseMaxPoolStage<T> : PoolStage<T> where T : unmanaged, INumber<T>
{
    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var x = ws.Dense[InSlot];
        var y = ws.Dense[OutSlot];
        long cmp = 0;
        for (int oy = 0; oy < OutH; oy++)
        {
            var (ylo, yhi) = Span1(oy, InH);
            for (int ox = 0; ox < OutW; ox++)
            {
                var (xlo, xhi) = Span1(ox, InW);
                for (int c = 0; c < C; c++)
                {
                    T best = x[c * CStride + ylo * YStride + xlo * XStride];
                    for (int iy = ylo; iy < yhi; iy++)
                        for (int ix = xlo; ix < xhi; ix++)
                        {
                            T v = x[c * CStride + iy * YStride + ix * XStride];
                            if (v > best) best = v;
                        }
                    y[(oy * OutW + ox) * C + c] = best;
                }
                cmp += (long)C * ((yhi - ylo) * (xhi - xlo) - 1);
            }
        }
        counts?.AddComparisons(cmp);
    }
}

/// <summary>Average pooling of a dense value as a window sum: <c>Y = sum_window X</c>; the <c>1/k^2</c> goes into the output scale (no multiplication).</summary>
internal sealed class DenseSumPoolStage<T> : PoolStage<T> where T : unmanaged, INumber<T>
{
    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var x = ws.Dense[InSlot];
        var y = ws.Dense[OutSlot];
        long adds = 0;
        for (int oy = 0; oy < OutH; oy++)
        {
            var (ylo, yhi) = Span1(oy, InH);
            for (int ox = 0; ox < OutW; ox++)
            {
                var (xlo, xhi) = Span1(ox, InW);
                for (int c = 0; c < C; c++)
                {
                    T sum = T.Zero;
                    for (int iy = ylo; iy < yhi; iy++)
                        for (int ix = xlo; ix < xhi; ix++) sum += x[c * CStride + iy * YStride + ix * XStride];
                    y[(oy * OutW + ox) * C + c] = sum;
                }
                adds += (long)C * ((yhi - ylo) * (xhi - xlo) - 1);
            }
        }
        counts?.AddAdditions(adds);
    }
}

/// <summary>
/// Max pooling of graded spikes of one neuron layer: the winner is the element whose code ranks highest by
/// <c>O = sum_k lambda_k S_k</c> (rank table built at load time), so only comparisons; its K bits are the output.
/// </summary>
internal sealed class SpikeMaxPoolStage<T> : PoolStage<T> where T : unmanaged, INumber<T>
{
    /// <summary>Rank of each code by its graded value O (ties share a rank).</summary>
    public required int[] Rank { get; init; }

    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var codes = ws.Spikes[InSlot].Codes;
        var output = ws.Spikes[OutSlot];
        var outCodes = output.Codes;
        var events = output.Events;
        var cnt = output.Counts;
        var rank = Rank;
        int cs = CStride, ys = YStride, xs = XStride, channels = C, outW = OutW;
        Array.Clear(cnt);
        long cmp = 0;
        for (int oy = 0; oy < OutH; oy++)
        {
            var (ylo, yhi) = Span1(oy, InH);
            for (int ox = 0; ox < outW; ox++)
            {
                var (xlo, xhi) = Span1(ox, InW);
                for (int c = 0; c < channels; c++)
                {
                    int best = codes[c * cs + ylo * ys + xlo * xs], bestRank = rank[best];
                    for (int iy = ylo; iy < yhi; iy++)
                        for (int ix = xlo; ix < xhi; ix++)
                        {
                            int code = codes[c * cs + iy * ys + ix * xs], r = rank[code];
                            if (r > bestRank) { best = code; bestRank = r; }
                        }
                    int o = (oy * outW + ox) * channels + c;
                    outCodes[o] = (ushort)best;
                    for (int k = 0, b = best; b != 0; k++, b >>= 1)
                        if ((b & 1) != 0) events[k][cnt[k]++] = o;
                }
                cmp += (long)channels * ((yhi - ylo) * (xhi - xlo) - 1);
            }
        }
        counts?.AddComparisons(cmp);
    }
}
