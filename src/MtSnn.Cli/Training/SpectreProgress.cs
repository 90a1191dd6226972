using System.Globalization;
using MtSnn.Training;
using Spectre.Console;

namespace MtSnn.Cli.Training;

/// <summary>A live progress bar per epoch (batches done, loss, accuracy, img/s, elapsed, epoch ETA, run ETA: <see cref="RunClock"/>) on a terminal, via Spectre.Console.</summary>
public sealed class SpectreProgress : ITrainingObserver
{
    private ProgressContext? _context;
    private ProgressTask? _task;
    private int _epochs;
    private readonly RunClock _clock = new();

    /// <summary>Runs <paramref name="work"/> with the progress display active.</summary>
    public T Run<T>(Func<T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(ctx => { _context = ctx; result = work(); });
        return result;
    }

    public void EpochStarted(int epoch, int epochs, int batches)
    {
        _epochs = epochs;
        _clock.EpochStarted(epoch, epochs);
        _task = _context?.AddTask($"epoch {epoch}/{epochs}", maxValue: batches);
    }

    public void BatchFinished(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond)
    {
        if (_task is null) return;
        _task.Value = batch;
        _task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{_epochs}  loss {loss:F4}  acc {accuracy * 100:F1}%  {imagesPerSecond:F0} img/s  {_clock.Line(batch, batches)}");
    }

    public void EpochFinished(EpochMetrics m, bool best)
    {
        _clock.EpochFinished();
        if (_task is null) return;
        _task.Description = string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}/{_epochs}  train {m.TrainLoss:F4} / {m.TrainAccuracy * 100:F1}%  test {m.TestLoss:F4} / [bold]{m.TestAccuracy * 100:F2}%[/]{(best ? " *" : "")}  {m.ImagesPerSecond:F0} img/s  elapsed {RunClock.Format(_clock.Elapsed)} · run ETA {RunClock.Format(_clock.RunEta(1, 1))}");
        _task.StopTask();
    }
}
