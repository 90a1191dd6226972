using System.Globalization;
using MtSnn.Training;
using Spectre.Console;

namespace MtSnn.Cli.Training;

/// <summary>A live progress bar per epoch (batches done, loss, accuracy, img/s, ETA) on a terminal, via Spectre.Console.</summary>
public sealed class SpectreProgress : ITrainingObserver
{
    private ProgressContext? _context;
    private ProgressTask? _task;
    private int _epochs;

    /// <summary>Runs <paramref name="work"/> with the progress display active.</summary>
    public T Run<T>(Func<T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => { _context = ctx; result = work(); });
        return result;
    }

    public void EpochStarted(int epoch, int epochs, int batches)
    {
        _epochs = epochs;
        _task = _context?.AddTask($"epoch {epoch}/{epochs}", maxValue: batches);
    }

    public void BatchFinished(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond)
    {
        if (_task is null) return;
        _task.Value = batch;
        _task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{_epochs}  loss {loss:F4}  acc {accuracy * 100:F1}%  {imagesPerSecond:F0} img/s");
    }

    public void EpochFinished(EpochMetrics m, bool best)
    {
        if (_task is null) return;
        _task.Description = string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}/{_epochs}  train {m.TrainLoss:F4} / {m.TrainAccuracy * 100:F1}%  test {m.TestLoss:F4} / [bold]{m.TestAccuracy * 100:F2}%[/]{(best ? " *" : "")}  {m.ImagesPerSecond:F0} img/s");
        _task.StopTask();
    }
}
