using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Data;

/// <summary>
/// One batch from a <see cref="DataLoader"/>: images <c>[B, C, H, W]</c> float32 and labels <c>[B]</c> int64, on the CPU
/// (in pinned memory with <see cref="DataLoaderOptions.PinMemory"/>). The tensors join the current
/// <c>torch.NewDisposeScope()</c> of the thread that takes the batch; disposing the batch disposes them too.
/// </summary>
public sealed class Batch : IDisposable
{
    internal Batch(Tensor images, Tensor labels, int[] indices)
    {
        Images = images;
        Labels = labels;
        Indices = indices;
    }

    /// <summary>Images <c>[B, C, H, W]</c>, float32.</summary>
    public Tensor Images { get; }
    /// <summary>Labels <c>[B]</c>, int64.</summary>
    public Tensor Labels { get; }
    /// <summary>Data set index of each sample of the batch, in batch order.</summary>
    public IReadOnlyList<int> Indices { get; }
    /// <summary>Number of samples B.</summary>
    public int Count => Indices.Count;

    /// <inheritdoc/>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
