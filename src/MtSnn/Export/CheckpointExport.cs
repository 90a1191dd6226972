using MtSnn.Data.Neuromorphic;
using MtSnn.Training;
using MtSnn.Training.Encoding;

namespace MtSnn.Export;

/// <summary>What a checkpoint must satisfy before it can be exported to the deployment engine.</summary>
public static class CheckpointExport
{
    /// <summary>
    /// Throws <see cref="NotSupportedException"/> (one line) for a run the engine cannot reproduce: Poisson input
    /// encoding or event data. The engine has direct encoding only: <c>x[t] = image</c> at every step.
    /// </summary>
    public static void EnsureDirectEncoding(TrainConfig config, string source)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (EventFrameDataset.Names.Contains(config.Dataset.ToLowerInvariant()))
            throw new NotSupportedException($"checkpoint '{source}' was trained on event data ({config.Dataset}); the deployment engine only has direct encoding of static images (x[t] = image)");
        if (config.Encoding != EncodingKind.Direct)
            throw new NotSupportedException($"checkpoint '{source}' was trained with {config.Encoding.ToString().ToLowerInvariant()} encoding; the deployment engine only has direct encoding (x[t] = image), retrain with --encoding direct");
    }
}
