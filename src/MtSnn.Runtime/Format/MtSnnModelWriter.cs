using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Format;

/// <summary>
/// Writes a <c>.mtsnn</c> file: a safetensors image whose <c>__metadata__</c> holds <c>format_version = "1"</c>
/// and <c>mtsnn_graph</c> (the graph JSON), followed by the float32 tensors. By default the image is loaded back
/// with <see cref="MtSnnModel.Load(ReadOnlySpan{byte})"/> before it is written, so an invalid model is never written.
/// </summary>
public static class MtSnnModelWriter
{
    /// <summary>The model image as bytes; with <paramref name="validate"/> it must load cleanly.</summary>
    public static byte[] ToBytes(ModelGraph graph, IReadOnlyList<TensorF32> tensors, bool validate = true)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(tensors);
        var metadata = new Dictionary<string, string>
        {
            ["format_version"] = MtSnnModel.FormatVersion,
            ["mtsnn_graph"] = GraphJson.Write(graph),
        };
        var bytes = SafeTensors.Write(tensors, metadata);
        if (validate) MtSnnModel.Load(bytes);
        return bytes;
    }

    /// <summary>Writes the model file atomically (a temporary file in the same folder, then a rename).</summary>
    public static void Write(string path, ModelGraph graph, IReadOnlyList<TensorF32> tensors, bool validate = true)
    {
        var bytes = ToBytes(graph, tensors, validate);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
