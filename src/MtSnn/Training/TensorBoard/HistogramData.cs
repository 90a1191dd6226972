namespace MtSnn.Training.TensorBoard;

/// <summary>
/// A TensorBoard histogram of some values: count, min, max, sum, sum of squares, and <see cref="BinCount"/> equal-width
/// buckets between min and max (bucket i counts the values in <c>(limit[i-1], limit[i]]</c>, the first from min;
/// TensorBoard's convention of right edges). All values equal: one bucket.
/// </summary>
public sealed record HistogramData(double Min, double Max, double Count, double Sum, double SumSquares, double[] BucketLimits, double[] Buckets)
{
    /// <summary>Buckets per histogram.</summary>
    public const int BinCount = 30;

    /// <summary>The histogram of the finite values in <paramref name="values"/> (non-finite ones are left out); null when none is finite.</summary>
    public static HistogramData? Of(ReadOnlySpan<float> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, sq = 0;
        long n = 0;
        foreach (float f in values)
        {
            if (!float.IsFinite(f)) continue;
            double v = f;
            min = Math.Min(min, v); max = Math.Max(max, v); sum += v; sq += v * v; n++;
        }
        if (n == 0) return null;
        if (max == min) return new HistogramData(min, max, n, sum, sq, [max], [n]);
        var limits = new double[BinCount];
        var counts = new double[BinCount];
        double width = (max - min) / BinCount;
        for (int i = 0; i < BinCount; i++) limits[i] = i == BinCount - 1 ? max : min + width * (i + 1);
        foreach (float f in values)
        {
            if (!float.IsFinite(f)) continue;
            int i = (int)Math.Ceiling((f - min) / width) - 1;
            counts[Math.Clamp(i, 0, BinCount - 1)]++;
        }
        return new HistogramData(min, max, n, sum, sq, limits, counts);
    }
}
