using System.Globalization;

namespace MtSnn.Training;

/// <summary>
/// The defaults a first <c>mtsnn train</c> learns with, in one place: Adam with a cosine schedule and a learning rate
/// chosen per model (the rate an SNN needs depends on its depth and normalisation far more than on the data set).
/// SGD keeps 0.1, the rate of the CIFAR recipes it is used with (with momentum 0.9 and a cosine schedule).
/// <para>
/// The Adam rates: digits-cnn 5e-3 (the demo's recipe; 3 epochs on the digits reach over 90 %); plif-net 1e-3 (Fang et al.
/// 2021 train it with Adam 1e-3); the deep CIFAR/ImageNet models 1e-3 (SpikingJelly's and TET's Adam rate).
/// </para>
/// </summary>
public static class TrainingRecipe
{
    /// <summary>The optimizer a run uses when none is given.</summary>
    public const OptimizerKind DefaultOptimizer = OptimizerKind.Adam;

    /// <summary>The schedule a run uses when none is given.</summary>
    public const ScheduleKind DefaultSchedule = ScheduleKind.Cosine;

    /// <summary>SGD's default rate, for every model.</summary>
    public const double SgdLr = 0.1;

    /// <summary>Adam's and AdamW's rate for a model not named in <see cref="AdamLrByModel"/>.</summary>
    public const double AdamLr = 1e-3;

    /// <summary>Adam's and AdamW's default rate for the models that need another than <see cref="AdamLr"/>.</summary>
    public static IReadOnlyDictionary<string, double> AdamLrByModel { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
    {
        ["digits-cnn"] = 5e-3,
    };

    /// <summary>The default learning rate of <paramref name="optimizer"/> on model <paramref name="model"/>.</summary>
    public static double DefaultLr(OptimizerKind optimizer, string model) => optimizer switch
    {
        OptimizerKind.Sgd => SgdLr,
        OptimizerKind.Adam or OptimizerKind.AdamW => AdamLrByModel.TryGetValue(model.Trim(), out double lr) ? lr : AdamLr,
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, $"no default learning rate for optimizer {optimizer}"),
    };

    /// <summary>One line for <c>--help</c>: the default rates.</summary>
    public static string Describe() =>
        $"default: adam {string.Join(", ", AdamLrByModel.Select(e => $"{F(e.Value)} for {e.Key}"))}, {F(AdamLr)} for the other models; sgd {F(SgdLr)}";

    private static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
