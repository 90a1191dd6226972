using static TorchSharp.torch;

namespace MtSnn.Training.Encoding;

/// <summary>Direct encoding: <c>x[t, b] = image[b]</c> for t = 0..T-1 (the first layer sees real-valued pixels).</summary>
public sealed class DirectEncoder(int steps) : InputEncoder(steps)
{
    /// <inheritdoc/>
    public override Tensor Encode(Tensor images, long batchKey = 0)
    {
        if (images.dim() < 2) throw new ArgumentException($"images must be [B, ...] (got shape [{string.Join(", ", images.shape)}])");
        return images.unsqueeze(0).expand([Steps, .. images.shape]).contiguous();
    }
}
