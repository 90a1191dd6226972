using MtSnn.Models;
using MtSnn.Training.TensorBoard;
using static TorchSharp.torch;

namespace MtSnn.Training;

/// <summary>
/// TensorBoard per epoch (<see cref="EventFileWriter"/>, Unix wall times): scalars loss/{train,test},
/// accuracy/{train,test}, lr, img_per_s and the firing rate of every level of every spiking layer; histograms of every
/// parameter (<c>weights/NAME</c>), of its gradient from the epoch's last step (<c>gradients/NAME</c>), and of the
/// per-neuron firing rates of every level of every spiking layer on one test batch (<c>firing_rate_per_neuron/LAYER/levelK</c>).
/// </summary>
public sealed class TensorBoardLog(string dir) : IDisposable
{
    private readonly EventFileWriter _writer = new(dir);

    /// <summary>The folder the event files go to.</summary>
    public string Dir { get; } = dir;

    /// <summary>The event file of this run.</summary>
    public string File => _writer.Path;

    /// <summary>Logs one epoch's scalars.</summary>
    public void Epoch(EpochMetrics m, EvalResult eval)
    {
        _writer.Scalar("loss/train", (float)m.TrainLoss, m.Epoch);
        _writer.Scalar("loss/test", (float)m.TestLoss, m.Epoch);
        _writer.Scalar("accuracy/train", (float)m.TrainAccuracy, m.Epoch);
        _writer.Scalar("accuracy/test", (float)m.TestAccuracy, m.Epoch);
        _writer.Scalar("lr", (float)m.Lr, m.Epoch);
        _writer.Scalar("img_per_s", (float)m.ImagesPerSecond, m.Epoch);
        foreach (var l in eval.FiringRates)
            for (int k = 0; k < l.Levels.Length; k++)
                _writer.Scalar($"firing_rate/{l.Layer}/level{k + 1}", (float)l.Levels[k], m.Epoch);
    }

    /// <summary>Logs the histograms of <paramref name="model"/>'s parameters and gradients, and of <paramref name="neuronRates"/>, at <paramref name="epoch"/>.</summary>
    public void Histograms(SpikingModel model, IReadOnlyList<NeuronRates> neuronRates, int epoch)
    {
        foreach (var (name, p) in model.named_parameters())
        {
            using var scope = NewDisposeScope();
            _writer.Histogram($"weights/{name}", Host(p), epoch);
            if (p.grad is { } g) _writer.Histogram($"gradients/{name}", Host(g), epoch);
        }
        foreach (var r in neuronRates) _writer.Histogram($"firing_rate_per_neuron/{r.Layer}/level{r.Level}", r.Rates, epoch);
    }

    private static float[] Host(Tensor t) => t.detach().to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();

    /// <inheritdoc/>
    public void Dispose() => _writer.Dispose();
}
