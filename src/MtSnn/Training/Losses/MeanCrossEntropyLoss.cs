using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MtSnn.Training.Losses;

/// <summary>
/// Cross-entropy of the time-averaged logits: <c>z = (1/T) sum_t O[t]</c>,
/// <c>L = -(1/B) sum_b sum_c q[b, c] log softmax(z[b])_c</c> with the smoothed target
/// <c>q = (1 - eps) onehot(y) + eps / C</c> (eps = label smoothing; eps = 0 is plain cross-entropy).
/// </summary>
public sealed class MeanCrossEntropyLoss(double labelSmoothing = 0) : SpikingLoss
{
    /// <summary>Label smoothing eps in [0, 1).</summary>
    public double LabelSmoothing { get; } = CheckSmoothing(labelSmoothing);

    /// <inheritdoc/>
    public override Tensor Compute(Tensor logits, Tensor labels)
    {
        CheckShapes(logits, labels);
        return functional.cross_entropy(logits.mean([0]), labels, label_smoothing: LabelSmoothing);
    }
}
