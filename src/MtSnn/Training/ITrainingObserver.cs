namespace MtSnn.Training;

/// <summary>Receives progress from a <see cref="Trainer"/> (the CLI draws a progress bar from it). Calls come from the training thread.</summary>
public interface ITrainingObserver
{
    /// <summary>Epoch <paramref name="epoch"/> (1-based) of <paramref name="epochs"/> starts with <paramref name="batches"/> training batches.</summary>
    void EpochStarted(int epoch, int epochs, int batches);
    /// <summary>Training batch <paramref name="batch"/> (1-based) finished; running mean loss and accuracy, and images per second so far.</summary>
    void BatchFinished(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond);
    /// <summary>The epoch finished and was evaluated and checkpointed.</summary>
    void EpochFinished(EpochMetrics metrics, bool best);
}
