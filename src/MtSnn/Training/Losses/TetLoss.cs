using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MtSnn.Training.Losses;

/// <summary>
/// Temporal efficient training (Deng et al., ICLR 2022): the loss of every step, averaged over time,
/// <c>L = (1/T) sum_t [ (1 - lambda) CE(O[t], y) + lambda MSE(O[t], phi) ]</c>, where CE is the (label-smoothed)
/// cross-entropy averaged over the batch and <c>MSE(O[t], phi) = (1/(B C)) sum_{b,c} (O[t, b, c] - phi)^2</c> pulls the
/// logits towards the constant phi (the paper's regulariser). lambda = 0 (default) gives <c>(1/T) sum_t CE(O[t], y)</c>.
/// </summary>
public sealed class TetLoss : SpikingLoss
{
    /// <summary>Creates the loss; 0 &lt;= lambda &lt;= 1, phi finite.</summary>
    public TetLoss(double labelSmoothing = 0, double lambda = 0, double phi = 1.0)
    {
        LabelSmoothing = CheckSmoothing(labelSmoothing);
        if (!double.IsFinite(lambda) || lambda is < 0 or > 1) throw new ArgumentException($"TET lambda must be in [0, 1] (got {lambda})");
        if (!double.IsFinite(phi)) throw new ArgumentException($"TET target phi must be finite (got {phi})");
        Lambda = lambda;
        Phi = phi;
    }

    /// <summary>Label smoothing eps in [0, 1).</summary>
    public double LabelSmoothing { get; }
    /// <summary>Weight lambda of the MSE regulariser.</summary>
    public double Lambda { get; }
    /// <summary>Target phi of the MSE regulariser.</summary>
    public double Phi { get; }

    /// <inheritdoc/>
    public override Tensor Compute(Tensor logits, Tensor labels)
    {
        CheckShapes(logits, labels);
        long t = logits.shape[0], b = logits.shape[1];
        // CE averaged over all (t, b) pairs = (1/T) sum_t CE(O[t], y) since every step has B samples
        var ce = functional.cross_entropy(logits.flatten(0, 1), labels.repeat(t), label_smoothing: LabelSmoothing);
        if (Lambda == 0) return ce;
        var mse = functional.mse_loss(logits, full_like(logits, Phi));
        return (1 - Lambda) * ce + Lambda * mse;
    }
}
