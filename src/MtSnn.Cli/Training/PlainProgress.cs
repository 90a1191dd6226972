using System.Globalization;
using MtSnn.Training;

namespace MtSnn.Cli.Training;

/// <summary>Progress for a non-terminal output: one line per epoch (loss, accuracy, img/s, the epoch's seconds, elapsed and run ETA: <see cref="RunClock"/>).</summary>
public sealed class PlainProgress(TextWriter output, string prefix = "") : ITrainingObserver
{
    private readonly RunClock _clock = new();

    public void EpochStarted(int epoch, int epochs, int batches) { Epochs = epochs; _clock.EpochStarted(epoch, epochs); }
    public void BatchFinished(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) { }

    public void EpochFinished(EpochMetrics m, bool best)
    {
        _clock.EpochFinished();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{prefix}epoch {m.Epoch}/{Epochs}  lr {m.Lr:G3}  train loss {m.TrainLoss:F4} acc {m.TrainAccuracy * 100:F2}%  test loss {m.TestLoss:F4} acc {m.TestAccuracy * 100:F2}%{(best ? " *" : "")}  {m.ImagesPerSecond:F0} img/s  epoch {m.Seconds:F1} s  elapsed {RunClock.Format(_clock.Elapsed)}  run ETA {RunClock.Format(_clock.RunEta(1, 1))}"));
    }

    private int Epochs { get; set; }
}
