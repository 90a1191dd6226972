using System.Diagnostics;
using MtSnn.Export;
using MtSnn.Models;

namespace MtSnn.Cli.Deploy;

/// <summary>The engine's predictions and logits against the TorchSharp model's on the same images (eval mode, direct encoding).</summary>
/// <param name="Agreement">Fraction of images with the same predicted class.</param>
/// <param name="LogitsMaxRelativeError">Max over images of <c>max_c |l_e - l_t| / max_c |l_t|</c>.</param>
/// <param name="ReferenceAccuracy">The TorchSharp model's accuracy on the images.</param>
public sealed record ReferenceComparison(double Agreement, double LogitsMaxRelativeError, double ReferenceAccuracy)
{
    /// <summary>Batch size of the reference runs.</summary>
    public const int Batch = 64;

    /// <summary>Runs the reference on every image in batches of <see cref="Batch"/> and compares.</summary>
    public static ReferenceComparison Compute(SpikingModel reference, int timeSteps, DeploymentImages images, EngineRunResult engine)
    {
        int classes = reference.Spec.NumClasses, same = 0, correct = 0;
        double maxRel = 0;
        for (int start = 0; start < images.Count; start += Batch)
        {
            int count = Math.Min(Batch, images.Count - start);
            var logits = TorchReference.Run(reference, images.Images(start, count), count, timeSteps).Logits;
            for (int b = 0; b < count; b++)
            {
                int i = start + b;
                var t = logits.AsSpan(b * classes, classes);
                var e = engine.Logits.AsSpan(i * classes, classes);
                int pt = EngineRun.ArgMax(t);
                if (pt == engine.Predictions[i]) same++;
                if (pt == images.Labels[i]) correct++;
                double scale = 0, err = 0;
                for (int c = 0; c < classes; c++)
                {
                    scale = Math.Max(scale, Math.Abs(t[c]));
                    err = Math.Max(err, Math.Abs(e[c] - t[c]));
                }
                maxRel = Math.Max(maxRel, scale > 0 ? err / scale : err);
            }
        }
        return new ReferenceComparison((double)same / images.Count, maxRel, (double)correct / images.Count);
    }
}

/// <summary>
/// Throughput of the same model on the same images, in one process: TorchSharp eval (dense) at batch 1 and batch 64,
/// and the engine one image at a time, without counting, with as many intra-op threads as TorchSharp uses (the fair
/// batch-1 comparison) and with one thread. Each is run once untimed first (warm-up).
/// </summary>
public sealed record ThroughputComparison(int Images, int TorchThreads, double TorchBatch1, double TorchBatch64, double EngineBatch1, double EngineBatch1SingleThread)
{
    /// <summary>Times them on the first <paramref name="limit"/> images.</summary>
    public static ThroughputComparison Measure(SpikingModel reference, int timeSteps, MtSnn.Runtime.MtSnnModel model,
        MtSnn.Runtime.EngineArithmetic arithmetic, DeploymentImages images, int limit = 512)
    {
        int n = Math.Min(limit, images.Count);
        double Torch(int batch)
        {
            TorchReference.Run(reference, images.Images(0, Math.Min(batch, n)), Math.Min(batch, n), timeSteps);
            var w = Stopwatch.StartNew();
            for (int s = 0; s < n; s += batch)
            {
                int c = Math.Min(batch, n - s);
                TorchReference.Run(reference, images.Images(s, c), c, timeSteps);
            }
            return n / w.Elapsed.TotalSeconds;
        }
        double torch1 = Torch(1), torch64 = Torch(64);
        int threads = TorchSharp.torch.get_num_threads();
        double Engine(int intraOp)
        {
            var engine = new MtSnn.Runtime.Engine(model, new MtSnn.Runtime.EngineOptions(arithmetic, intraOpThreads: intraOp));
            var logits = new float[engine.NumClasses];
            engine.Infer(images.Image(0), logits);
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < n; i++) engine.Infer(images.Image(i), logits);
            return n / watch.Elapsed.TotalSeconds;
        }
        return new ThroughputComparison(n, threads, torch1, torch64, Engine(threads), Engine(1));
    }
}
