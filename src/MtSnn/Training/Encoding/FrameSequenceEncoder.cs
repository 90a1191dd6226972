using MtSnn.Data;
using static TorchSharp.torch;

namespace MtSnn.Training.Encoding;

/// <summary>
/// For data that already has a time axis (event frames, <see cref="ISequenceDataset"/>): a batch delivered flat as
/// <c>[B, T*C, H, W]</c> (frame-major) becomes <c>x [T, B, C, H, W]</c> with <c>x[t, b] = frames[b, t]</c>; nothing is encoded.
/// </summary>
public sealed class FrameSequenceEncoder(int steps, ImageShape frame) : InputEncoder(steps)
{
    /// <inheritdoc/>
    public override Tensor Encode(Tensor images, long batchKey = 0)
    {
        if (images.dim() != 4 || images.shape[1] != (long)Steps * frame.Channels)
            throw new ArgumentException($"frame batch must be [B, {Steps * frame.Channels}, H, W] (T = {Steps} frames of {frame.Channels} channels); got [{string.Join(", ", images.shape)}]");
        return images.reshape(images.shape[0], Steps, frame.Channels, images.shape[2], images.shape[3]).transpose(0, 1).contiguous();
    }
}
