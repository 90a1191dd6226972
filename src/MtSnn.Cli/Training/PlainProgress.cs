using System.Globalization;
using MtSnn.Training;

namespace MtSnn.Cli.Training;

/// <summary>Progress for a non-terminal output: one line per epoch (loss, accuracy, img/s, time).</summary>
public sealed class PlainProgress(TextWriter output, string prefix = "") : ITrainingObserver
{
    public void EpochStarted(int epoch, int epochs, int batches) => Epochs = epochs;
    public void BatchFinished(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) { }

    public void EpochFinished(EpochMetrics m, bool best) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{prefix}epoch {m.Epoch}/{Epochs}  lr {m.Lr:G3}  train loss {m.TrainLoss:F4} acc {m.TrainAccuracy * 100:F2}%  test loss {m.TestLoss:F4} acc {m.TestAccuracy * 100:F2}%{(best ? " *" : "")}  {m.ImagesPerSecond:F0} img/s  {m.Seconds:F1} s"));

    private int Epochs { get; set; }
}
