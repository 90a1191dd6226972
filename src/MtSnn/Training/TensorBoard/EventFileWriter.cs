namespace MtSnn.Training.TensorBoard;

/// <summary>
/// A TensorBoard event file, <c>events.out.tfevents.{unix seconds}.{host}.{pid}</c> in a folder: scalars and
/// histograms with their step and the Unix wall time in seconds (TorchSharp 0.107's <c>SummaryWriter</c> wrote .NET
/// ticks, 6.39e17, as the first event's wall time, which TensorBoard shows as a date in the year 20 billion).
/// </summary>
public sealed class EventFileWriter : IDisposable
{
    private readonly TfRecordWriter _records;

    /// <summary>Creates the folder if needed and a new event file in it, starting with the file-version event.</summary>
    public EventFileWriter(string dir)
    {
        Directory.CreateDirectory(dir);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string host = new([.. Environment.MachineName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        Path = System.IO.Path.Combine(dir, $"events.out.tfevents.{now}.{host}.{Environment.ProcessId}");
        _records = new TfRecordWriter(Path);
        _records.Write(EventProto.FileVersion(WallTime()));
    }

    /// <summary>The event file.</summary>
    public string Path { get; }

    /// <summary>Seconds since the Unix epoch, with sub-second precision, as TensorBoard reads <c>wall_time</c>.</summary>
    public static double WallTime() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Appends a scalar.</summary>
    public void Scalar(string tag, float value, long step) => _records.Write(EventProto.Scalar(WallTime(), step, tag, value));

    /// <summary>Appends a histogram of <paramref name="values"/> (nothing when no value is finite).</summary>
    public void Histogram(string tag, ReadOnlySpan<float> values, long step)
    {
        if (HistogramData.Of(values) is { } h) _records.Write(EventProto.Histogram(WallTime(), step, tag, h));
    }

    /// <inheritdoc/>
    public void Dispose() => _records.Dispose();
}
