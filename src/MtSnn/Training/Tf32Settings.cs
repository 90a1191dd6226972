using System.Text.Json.Nodes;
using TorchSharp;

namespace MtSnn.Training;

/// <summary>
/// Whether CUDA may use TF32 tensor cores (10-bit mantissa products, float32 accumulation) for float32 matrix products
/// (cuBLAS) and convolutions (cuDNN). libtorch's defaults, which PyTorch shares: matmul off, convolutions on. These are
/// process-wide switches; on the CPU they change nothing.
/// </summary>
public sealed record Tf32Settings(bool Matmul, bool Cudnn)
{
    /// <summary>The switches as they are now.</summary>
    public static Tf32Settings Current => new(torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32);

    /// <summary>Sets both switches to <paramref name="on"/> (null: leaves them as they are) and returns the settings before.</summary>
    public static Tf32Settings Apply(bool? on)
    {
        var before = Current;
        if (on is { } v) new Tf32Settings(v, v).Set();
        return before;
    }

    /// <summary>Makes these the current settings.</summary>
    public void Set()
    {
        torch.backends.cuda.matmul.allow_tf32 = Matmul;
        torch.backends.cudnn.allow_tf32 = Cudnn;
    }

    /// <summary>Parses the command-line value: on or off.</summary>
    public static bool Parse(string value) => value.ToLowerInvariant() switch
    {
        "on" or "true" => true,
        "off" or "false" => false,
        _ => throw new ArgumentException($"invalid --tf32 value '{value}' (allowed: on, off)"),
    };

    /// <summary>As JSON: <c>{"matmul": bool, "cudnn": bool}</c>.</summary>
    public JsonObject ToJson() => new() { ["matmul"] = Matmul, ["cudnn"] = Cudnn };
}
