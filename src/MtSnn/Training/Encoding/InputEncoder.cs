using static TorchSharp.torch;

namespace MtSnn.Training.Encoding;

/// <summary>How static images become the multi-step input <c>x [T, B, C, H, W]</c> of a spiking model.</summary>
public enum EncodingKind
{
    /// <summary>Direct (analog) encoding: the image is the input current at every step, <c>x[t] = image</c>.</summary>
    Direct,
    /// <summary>Poisson rate encoding: <c>x[t] ~ Bernoulli(p = pixel)</c>, independently per step and pixel.</summary>
    Poisson,
}

/// <summary>Turns a batch of images <c>[B, C, H, W]</c> into <c>T</c> time steps <c>[T, B, C, H, W]</c>.</summary>
public abstract class InputEncoder
{
    protected InputEncoder(int steps)
    {
        if (steps < 1) throw new ArgumentException($"time steps T must be >= 1 (got {steps})");
        Steps = steps;
    }

    /// <summary>Number of time steps T (&gt;= 1).</summary>
    public int Steps { get; }

    /// <summary>Encodes <paramref name="images"/> <c>[B, C, H, W]</c>; <paramref name="batchKey"/> identifies the batch (epoch, index) for seeded encoders.</summary>
    public abstract Tensor Encode(Tensor images, long batchKey = 0);

    /// <summary>The encoder of <paramref name="kind"/> for <paramref name="steps"/> steps; <paramref name="seed"/> seeds the Poisson generator.</summary>
    public static InputEncoder Create(EncodingKind kind, int steps, long seed = 0) => kind switch
    {
        EncodingKind.Direct => new DirectEncoder(steps),
        EncodingKind.Poisson => new PoissonEncoder(steps, seed),
        _ => throw new ArgumentException($"unknown encoding {kind} (allowed: direct, poisson)"),
    };

    /// <summary>Parses the command-line name (direct, poisson).</summary>
    public static EncodingKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "direct" => EncodingKind.Direct,
        "poisson" => EncodingKind.Poisson,
        _ => throw new ArgumentException($"unknown encoding '{name}' (allowed: direct, poisson)"),
    };
}
