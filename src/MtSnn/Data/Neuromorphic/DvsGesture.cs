using System.Globalization;

namespace MtSnn.Data.Neuromorphic;

/// <summary>One labelled interval of a DVS128 Gesture recording: CSV class c in 1..11, events with Start &lt;= t &lt; End.</summary>
/// <param name="ClassId">The class as written in the CSV, 1..11.</param>
/// <param name="Start">startTime_usec (inclusive).</param>
/// <param name="End">endTime_usec (exclusive).</param>
public readonly record struct GestureInterval(int ClassId, long Start, long End)
{
    /// <summary>Zero-based label, <c>ClassId - 1</c> (0..10), as SpikingJelly and tonic use.</summary>
    public int Label => ClassId - 1;
}

/// <summary>One gesture: its zero-based label and the events of its interval.</summary>
public sealed record GestureSegment(int Label, EventStream Events);

/// <summary>
/// DVS128 Gesture (Amir et al. 2017): each <c>userNN_lighting.aedat</c> (AEDAT 3.1, 128x128) comes with
/// <c>userNN_lighting_labels.csv</c>: a header line <c>class,startTime_usec,endTime_usec</c> then one row per gesture.
/// A segment holds the events with startTime &lt;= t &lt; endTime (SpikingJelly's rule).
/// </summary>
public static class DvsGesture
{
    /// <summary>Class names in label order (label = CSV class - 1).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "hand_clapping", "right_hand_wave", "left_hand_wave", "right_arm_clockwise", "right_arm_counter_clockwise",
        "left_arm_clockwise", "left_arm_counter_clockwise", "arm_roll", "air_drums", "air_guitar", "other_gestures",
    ];

    /// <summary>The labels file beside an .aedat file: <c>name.aedat</c> → <c>name_labels.csv</c>.</summary>
    public static string LabelsPathFor(string aedatPath) =>
        Path.Combine(Path.GetDirectoryName(aedatPath) ?? "", Path.GetFileNameWithoutExtension(aedatPath) + "_labels.csv");

    /// <summary>Parses a labels CSV file.</summary>
    public static IReadOnlyList<GestureInterval> ReadLabels(string path)
    {
        using var reader = new StreamReader(path);
        return ReadLabels(reader, path);
    }

    /// <summary>Parses labels CSV text; rejects a wrong header, a class outside 1..11, a non-integer field or start &gt;= end.</summary>
    public static IReadOnlyList<GestureInterval> ReadLabels(TextReader reader, string source = "labels")
    {
        string? header = reader.ReadLine();
        if (header is null || header.Trim().TrimStart('\uFEFF') != "class,startTime_usec,endTime_usec")
            throw new InvalidDataException($"{source}: labels header must be 'class,startTime_usec,endTime_usec' (got '{header}')");
        var result = new List<GestureInterval>();
        int lineNo = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != 3 || !int.TryParse(f[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int c)
                || !long.TryParse(f[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long start)
                || !long.TryParse(f[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long end))
                throw new InvalidDataException($"{source}: line {lineNo} '{line}' is not 'class,start,end' with integer fields");
            if (c < 1 || c > 11) throw new InvalidDataException($"{source}: line {lineNo} class {c} is outside 1..11");
            if (start < 0 || end <= start) throw new InvalidDataException($"{source}: line {lineNo} interval [{start}, {end}) must have 0 <= start < end");
            result.Add(new GestureInterval(c, start, end));
        }
        return result;
    }

    /// <summary>Reads a recording and cuts it into its labelled gestures; <paramref name="labelsPath"/> defaults to <see cref="LabelsPathFor"/>.</summary>
    public static IReadOnlyList<GestureSegment> ReadSegments(string aedatPath, string? labelsPath = null)
    {
        var labels = ReadLabels(labelsPath ?? LabelsPathFor(aedatPath));
        var events = AedatReader.Read(aedatPath);
        return Segment(events, labels);
    }

    /// <summary>Cuts <paramref name="events"/> into the intervals: segment k holds the events with Start_k &lt;= t &lt; End_k, in file order.</summary>
    public static IReadOnlyList<GestureSegment> Segment(EventStream events, IReadOnlyList<GestureInterval> labels) =>
        [.. labels.Select(l => new GestureSegment(l.Label, events.Between(l.Start, l.End)))];
}
