namespace MtSnn.Training;

/// <summary>
/// Combines the evaluations of the ranks' disjoint test shards into the evaluation of the whole test set: the sums
/// <c>Σ loss·n</c>, correct predictions, images and <c>Σ rate[l][k]·n</c> are added over ranks (float64), then divided
/// by the total images, exactly as one process would over all batches (up to the order of the float64 additions).
/// </summary>
public static class EvalReduction
{
    /// <summary>The whole-test-set result from this rank's <paramref name="local"/> result.</summary>
    public static EvalResult Sum(EvalResult local, IDataParallel parallel)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(parallel);
        var values = new List<double> { local.Loss * local.Images, Math.Round(local.Accuracy * local.Images), local.Images };
        foreach (var layer in local.FiringRates) values.AddRange(layer.Levels.Select(r => r * local.Images));
        double[] v = [.. values];
        parallel.Sum(v);
        double images = Math.Max(1, v[2]);
        int i = 3;
        var rates = new List<LayerRates>();
        foreach (var layer in local.FiringRates)
        {
            rates.Add(new LayerRates(layer.Layer, [.. v.AsSpan(i, layer.Levels.Length).ToArray().Select(s => s / images)]));
            i += layer.Levels.Length;
        }
        return new EvalResult(v[0] / images, v[1] / images, (int)Math.Round(v[2]), rates);
    }
}
