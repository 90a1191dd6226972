namespace MtSnn.Tests.Neuromorphic;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mtsnn-dvs-" + Guid.NewGuid().ToString("N")));
    public string Path { get; }
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}

internal static class Bytes
{
    public static byte[] Ascii(string s) => System.Text.Encoding.ASCII.GetBytes(s);
    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
