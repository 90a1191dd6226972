namespace MtSnn.IO;

/// <summary>Writes files so that readers see either the old content or the complete new one, never a part. Missing parent folders are created.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to a temporary file beside <paramref name="path"/>, flushes it, then renames it over <paramref name="path"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string tmp = TempName(path);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            CopyUnixMode(path, tmp);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Runs <paramref name="write"/> on a stream to a temporary file, then renames it over <paramref name="path"/>; on any exception the target is untouched.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string tmp = TempName(path);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes text atomically (UTF-8, no BOM).</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    private static string TempName(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempSuffix}");
    }

    private const string TempSuffix = ".tmp";

    /// <summary>
    /// The process id a temporary file of this class was written by (<c>.NAME.PID.GUID.tmp</c>), or null when
    /// <paramref name="fileName"/> is not such a name.
    /// </summary>
    public static int? WriterOf(string fileName)
    {
        if (!fileName.StartsWith('.') || !fileName.EndsWith(TempSuffix, StringComparison.Ordinal)) return null;
        string[] parts = fileName[..^TempSuffix.Length].Split('.');
        if (parts.Length < 4 || parts[^1].Length != 32 || !Guid.TryParseExact(parts[^1], "N", out _)) return null;
        return int.TryParse(parts[^2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    /// <summary>
    /// Deletes the temporary files in <paramref name="dir"/> left by writers that are no longer running (a process
    /// killed in the middle of a write); returns how many. Files of running processes (this one included) stay.
    /// </summary>
    public static int RemoveStale(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(dir, "." + "*" + TempSuffix))
        {
            if (WriterOf(Path.GetFileName(file)) is not { } pid || IsRunning(pid)) continue;
            TryDelete(file);
            removed++;
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static void CopyUnixMode(string from, string to)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(from)) return;
        File.SetUnixFileMode(to, File.GetUnixFileMode(from));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
