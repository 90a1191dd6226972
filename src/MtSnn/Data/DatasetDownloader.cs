using System.Security.Cryptography;
using MtSnn.IO;

namespace MtSnn.Data;

/// <summary>
/// Downloads one file over HTTP(S) and keeps it only when its SHA-256 equals the expected value; the file appears
/// atomically (temporary file, then rename), so a failed or mismatching download leaves nothing behind.
/// </summary>
public static class DatasetDownloader
{
    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destination"/> and checks its SHA-256 (lower-case hex).
    /// Throws <see cref="DatasetException"/> with one line naming the URL on any network error, HTTP status or hash mismatch.
    /// </summary>
    public static void Download(Uri url, string destination, string expectedSha256, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (expectedSha256.Length != 64) throw new ArgumentException($"expected SHA-256 '{expectedSha256}' must be 64 hex digits", nameof(expectedSha256));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
            using var http = new HttpClient { Timeout = timeout };
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using HttpResponseMessage response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
                throw new DatasetException($"could not download {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            AtomicFile.Write(destination, file =>
            {
                using Stream body = response.Content.ReadAsStream();
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                for (int n; (n = body.Read(buffer)) > 0;)
                {
                    hash.AppendData(buffer, 0, n);
                    file.Write(buffer, 0, n);
                }
                string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
                    throw new DatasetException($"downloaded {url} but its SHA-256 is {actual}, expected {expectedSha256}; the file was discarded");
            });
        }
        catch (DatasetException) { throw; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"could not download {url}: {OneLine(e)}", e);
        }
    }

    private static string OneLine(Exception e)
    {
        string msg = e is TaskCanceledException ? "timed out" : e.Message;
        if (e.InnerException is { } inner && !msg.Contains(inner.Message, StringComparison.Ordinal)) msg += $" ({inner.Message})";
        return msg.ReplaceLineEndings(" ");
    }
}
