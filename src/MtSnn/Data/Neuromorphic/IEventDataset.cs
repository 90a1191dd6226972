namespace MtSnn.Data.Neuromorphic;

/// <summary>A labelled set of event recordings, read lazily one sample at a time.</summary>
public interface IEventDataset
{
    /// <summary>Number of samples.</summary>
    int Count { get; }
    /// <summary>Number of classes; labels are 0 .. ClassCount - 1.</summary>
    int ClassCount { get; }
    /// <summary>Sensor height.</summary>
    int Height { get; }
    /// <summary>Sensor width.</summary>
    int Width { get; }
    /// <summary>Label of sample <paramref name="index"/>.</summary>
    int LabelOf(int index);
    /// <summary>File of sample <paramref name="index"/>.</summary>
    string PathOf(int index);
    /// <summary>Events of sample <paramref name="index"/>, sorted by time.</summary>
    EventStream ReadEvents(int index);
}

/// <summary>Frame access for every <see cref="IEventDataset"/>.</summary>
public static class EventDatasetExtensions
{
    /// <summary>Sample <paramref name="index"/> as frames [T, 2, H, W] (see <see cref="EventFramer"/>) and its label.</summary>
    public static (EventFrames Frames, int Label) GetFrames(this IEventDataset dataset, int index, FrameOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return (EventFramer.ToFrames(dataset.ReadEvents(index), options), dataset.LabelOf(index));
    }
}
