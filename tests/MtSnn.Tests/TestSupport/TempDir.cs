namespace MtSnn.Tests.TestSupport;

/// <summary>A fresh temporary folder for files a test writes; deleted with everything in it on dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("mtsnn-test-").FullName;

    /// <summary>A path inside the folder.</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>A path inside the folder (short form of <see cref="File"/>).</summary>
    public string this[string relative] => File(relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
