using static TorchSharp.torch;

namespace MtSnn.Training.Losses;

/// <summary>Which loss trains the model (command-line names: ce, mse, tet).</summary>
public enum LossKind
{
    /// <summary>Cross-entropy of the time-averaged logits (<see cref="MeanCrossEntropyLoss"/>).</summary>
    CrossEntropy,
    /// <summary>Rate-coded MSE of the time-averaged output against the one-hot label (<see cref="RateMseLoss"/>).</summary>
    RateMse,
    /// <summary>Temporal efficient training: the per-step loss averaged over t (<see cref="TetLoss"/>).</summary>
    Tet,
}

/// <summary>
/// A loss on per-step logits <c>O [T, B, C]</c> and labels <c>y [B]</c> (int64), reduced to a scalar (mean over the batch).
/// The prediction of every loss is <c>argmax_c mean_t O[t, b, c]</c>.
/// </summary>
public abstract class SpikingLoss
{
    /// <summary>The scalar loss.</summary>
    public abstract Tensor Compute(Tensor logits, Tensor labels);

    /// <summary>Checks <c>logits [T, B, C]</c> and <c>labels [B]</c>.</summary>
    protected static void CheckShapes(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 3) throw new ArgumentException($"per-step logits must be [T, B, C] (got shape [{string.Join(", ", logits.shape)}])");
        if (labels.dim() != 1 || labels.shape[0] != logits.shape[1])
            throw new ArgumentException($"labels must be [B] with B = {logits.shape[1]} (got shape [{string.Join(", ", labels.shape)}])");
    }

    /// <summary>The loss <paramref name="kind"/>; <paramref name="labelSmoothing"/> applies to the cross-entropy terms (ce, tet); <paramref name="tetLambda"/> and <paramref name="tetTarget"/> to tet.</summary>
    public static SpikingLoss Create(LossKind kind, double labelSmoothing = 0, double tetLambda = 0, double tetTarget = 1.0) => kind switch
    {
        LossKind.CrossEntropy => new MeanCrossEntropyLoss(labelSmoothing),
        LossKind.RateMse => new RateMseLoss(),
        LossKind.Tet => new TetLoss(labelSmoothing, tetLambda, tetTarget),
        _ => throw new ArgumentException($"unknown loss {kind} (allowed: ce, mse, tet)"),
    };

    /// <summary>Parses the command-line name: ce (cross-entropy), mse (rate MSE), tet.</summary>
    public static LossKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "ce" or "cross-entropy" => LossKind.CrossEntropy,
        "mse" or "rate-mse" => LossKind.RateMse,
        "tet" => LossKind.Tet,
        _ => throw new ArgumentException($"unknown loss '{name}' (allowed: ce, mse, tet)"),
    };

    /// <summary>The command-line name of <paramref name="kind"/>.</summary>
    public static string NameOf(LossKind kind) => kind switch { LossKind.CrossEntropy => "ce", LossKind.RateMse => "mse", _ => "tet" };

    /// <summary>Checks a label smoothing value: 0 &lt;= epsilon &lt; 1.</summary>
    internal static double CheckSmoothing(double epsilon) =>
        double.IsFinite(epsilon) && epsilon is >= 0 and < 1 ? epsilon : throw new ArgumentException($"label smoothing must be in [0, 1) (got {epsilon})");
}
