using MtSnn.Neurons;

namespace MtSnn.Kernels;

/// <summary>
/// The surrogates the fused kernels (CPU SIMD and CUDA) have a form of: the six built-in records. A researcher's own
/// <see cref="Surrogate"/> subclass has none, so <see cref="NeuronDispatch"/> runs it on the composed reference under
/// the auto backend (with one notice) and refuses it under the fused backend.
/// </summary>
public static class FusedSurrogates
{
    /// <summary>The built-in surrogates by their command-line names, for messages.</summary>
    public const string Names = Surrogate.BuiltInNames;

    /// <summary>Whether the fused kernels have a form of <paramref name="surrogate"/> (the built-in records are sealed).</summary>
    public static bool Supported(Surrogate surrogate) =>
        surrogate is ATan or Sigmoid or Rectangle or Triangle or PiecewiseQuadratic or FastSigmoid;
}
