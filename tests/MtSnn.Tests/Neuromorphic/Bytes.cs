namespace MtSnn.Tests.Neuromorphic;

/// <summary>Byte helpers for writing event files in their exact layouts.</summary>
internal static class Bytes
{
    public static byte[] Ascii(string s) => System.Text.Encoding.ASCII.GetBytes(s);
    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
