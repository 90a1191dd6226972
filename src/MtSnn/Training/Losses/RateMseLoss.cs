using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MtSnn.Training.Losses;

/// <summary>
/// Rate-coded MSE, as SpikingJelly's classification examples: the time-averaged output <c>r = (1/T) sum_t O[t]</c> is
/// pulled towards the one-hot label, <c>L = (1/(B C)) sum_b sum_c (r[b, c] - onehot(y_b)_c)^2</c>. No softmax: the
/// output itself (the firing rate when the last layer spikes, the mean logit otherwise) is the class score.
/// </summary>
public sealed class RateMseLoss : SpikingLoss
{
    /// <inheritdoc/>
    public override Tensor Compute(Tensor logits, Tensor labels)
    {
        CheckShapes(logits, labels);
        var rate = logits.mean([0]);
        var target = functional.one_hot(labels, rate.shape[1]).to(rate.dtype);
        return functional.mse_loss(rate, target);
    }
}
