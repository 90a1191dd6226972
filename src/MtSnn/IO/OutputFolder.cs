namespace MtSnn.IO;

/// <summary>
/// A command's output folder, made only once its inputs are known to be good: <see cref="Prepare"/> creates it (or
/// takes the existing one), checks that a file can be written there and removes temporary files that killed
/// writers left; <see cref="RemoveIfCreated"/> takes a folder this run made away again when the run fails before it
/// wrote anything worth keeping.
/// </summary>
public sealed class OutputFolder
{
    private string? _firstNew;

    private OutputFolder(string dir, string? firstNew) { Dir = dir; _firstNew = firstNew; Created = firstNew is not null; }

    /// <summary>The folder.</summary>
    public string Dir { get; }

    /// <summary>Whether <see cref="Prepare"/> created it (it did not exist before).</summary>
    public bool Created { get; }

    /// <summary>
    /// Creates <paramref name="dir"/> when missing and probes that a file can be created in it; throws
    /// <see cref="IOException"/> with one line naming the folder and the reason otherwise (nothing is left behind).
    /// </summary>
    public static OutputFolder Prepare(string dir, string what = "output folder")
    {
        if (File.Exists(dir)) throw new IOException($"{what} '{dir}' is a file; expected a folder");
        string? firstNew = !Directory.Exists(dir) ? FirstMissing(Path.GetFullPath(dir)) : null;
        try
        {
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, $".mtsnn-probe.{Environment.ProcessId}.{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            if (firstNew is not null) TryDeleteTree(firstNew);
            throw new IOException($"cannot write to {what} '{dir}': {Reason(e)}", e);
        }
        AtomicFile.RemoveStale(dir);
        return new OutputFolder(dir, firstNew);
    }

    /// <summary>Deletes the folder (and the parents this run created) when <see cref="Prepare"/> made it; otherwise does nothing.</summary>
    public void RemoveIfCreated()
    {
        if (_firstNew is not null) TryDeleteTree(_firstNew);
        _firstNew = null;
    }

    private static string FirstMissing(string full)
    {
        string first = full;
        for (string? d = Path.GetDirectoryName(full); d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) first = d;
        return first;
    }

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException or FileNotFoundException => "the path cannot hold a folder",
        _ => e.Message.Split('\n')[0],
    };

    private static void TryDeleteTree(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
