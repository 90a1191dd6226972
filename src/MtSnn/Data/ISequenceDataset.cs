namespace MtSnn.Data;

/// <summary>
/// A data set whose samples already have a time axis (event frames): each sample is <see cref="Steps"/> frames of
/// <see cref="FrameShape"/>, delivered flat as an image of shape <c>[Steps * C, H, W]</c> (frame-major). Training
/// feeds it to the network as <c>[T, B, C, H, W]</c> instead of encoding a static image.
/// </summary>
public interface ISequenceDataset : IImageDataset
{
    /// <summary>Number of frames T per sample.</summary>
    int Steps { get; }
    /// <summary>Shape <c>[C, H, W]</c> of one frame.</summary>
    ImageShape FrameShape { get; }
}
