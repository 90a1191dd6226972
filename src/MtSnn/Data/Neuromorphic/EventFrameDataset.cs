namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// An event data set seen as a sequence data set for training: sample i becomes its frames
/// <c>[T, 2, H', W']</c> (<see cref="EventFramer"/>), delivered flat through <see cref="IImageDataset"/> as an
/// "image" of <c>T * 2</c> channels (frame-major) so the ordinary <see cref="DataLoader"/> batches it; the trainer
/// reshapes a batch <c>[B, T*2, H', W']</c> to the sequence <c>[T, B, 2, H', W']</c> (no encoding: the data already
/// has a time axis). Frames are normalised per frame to [0, 1] by default (event counts vary a lot between recordings).
/// </summary>
public sealed class EventFrameDataset : ISequenceDataset
{
    private readonly IEventDataset _events;
    private readonly FrameOptions _frames;

    /// <summary>Wraps <paramref name="events"/>; <paramref name="frames"/> fixes T, the split rule and the output size.</summary>
    public EventFrameDataset(string name, IEventDataset events, FrameOptions frames, IReadOnlyList<string>? classNames = null)
    {
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _frames = frames ?? throw new ArgumentNullException(nameof(frames));
        if (frames.Frames < 1) throw new ArgumentException($"frames T must be >= 1 (got {frames.Frames})");
        Name = name;
        FrameShape = new ImageShape(2, frames.Height ?? events.Height, frames.Width ?? events.Width);
        ClassNames = classNames ?? [.. Enumerable.Range(0, events.ClassCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public int Count => _events.Count;
    /// <inheritdoc/>
    public int Steps => _frames.Frames;
    /// <inheritdoc/>
    public ImageShape FrameShape { get; }
    /// <inheritdoc/>
    public ImageShape Shape => new(Steps * FrameShape.Channels, FrameShape.Height, FrameShape.Width);
    /// <inheritdoc/>
    public int NumClasses => _events.ClassCount;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public int LabelOf(int index) => _events.LabelOf(index);

    /// <inheritdoc/>
    public void Get(int index, Span<float> pixelsChw, out int label)
    {
        var (frames, l) = _events.GetFrames(index, _frames);
        frames.Data.AsSpan().CopyTo(pixelsChw);
        label = l;
    }

    /// <summary>
    /// Opens an event data set by name: <c>cifar10-dvs</c> (AEDAT folders per class, 128x128, default 48x48 frames) or
    /// <c>nmnist</c> (N-MNIST .bin folders <c>DIR/{train,test}/{label}</c>, 34x34, as <c>mtsnn dvs-emulate</c> writes them).
    /// </summary>
    public static EventFrameDataset Open(string name, string dir, bool train, int steps, int? size = null)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{name}: data folder '{dir}' does not exist");
        return name switch
        {
            "cifar10-dvs" => new EventFrameDataset($"cifar10-dvs/{(train ? "train" : "test")}", new Cifar10DvsFolder(dir, train),
                new FrameOptions { Frames = steps, Height = size ?? 48, Width = size ?? 48, Normalization = FrameNormalization.FrameMax },
                Cifar10DvsFolder.ClassNames),
            "nmnist" => new EventFrameDataset($"nmnist/{(train ? "train" : "test")}", new NMnistFolder(dir, train),
                new FrameOptions { Frames = steps, Height = size, Width = size, Normalization = FrameNormalization.FrameMax }),
            _ => throw new ArgumentException($"unknown event data set '{name}' (allowed: {string.Join(", ", Names)})"),
        };
    }

    /// <summary>The event data set names <see cref="Open"/> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cifar10-dvs", "nmnist"];
}
