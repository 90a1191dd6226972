using static TorchSharp.torch.utils.tensorboard;

namespace MtSnn.Training;

/// <summary>TensorBoard scalars per epoch (TorchSharp's <c>SummaryWriter</c>): loss/{train,test}, accuracy/{train,test}, lr, img_per_s, and the firing rate of every level of every spiking layer.</summary>
public sealed class TensorBoardLog(string dir)
{
    private readonly TorchSharp.Modules.SummaryWriter _writer = SummaryWriter(dir, createRunName: false);

    /// <summary>The folder the event files go to.</summary>
    public string Dir { get; } = dir;

    /// <summary>Logs one epoch.</summary>
    public void Epoch(EpochMetrics m, EvalResult eval)
    {
        _writer.add_scalar("loss/train", (float)m.TrainLoss, m.Epoch);
        _writer.add_scalar("loss/test", (float)m.TestLoss, m.Epoch);
        _writer.add_scalar("accuracy/train", (float)m.TrainAccuracy, m.Epoch);
        _writer.add_scalar("accuracy/test", (float)m.TestAccuracy, m.Epoch);
        _writer.add_scalar("lr", (float)m.Lr, m.Epoch);
        _writer.add_scalar("img_per_s", (float)m.ImagesPerSecond, m.Epoch);
        foreach (var l in eval.FiringRates)
            for (int k = 0; k < l.Levels.Length; k++)
                _writer.add_scalar($"firing_rate/{l.Layer}/level{k + 1}", (float)l.Levels[k], m.Epoch);
    }
}
