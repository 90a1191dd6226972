using System.Diagnostics;
using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Native;
using MtSnn.Neurons;
using MtSnn.Training.Encoding;
using MtSnn.Training.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Training;

/// <summary>
/// Trains a spiking model from a <see cref="TrainConfig"/>. Per step: reset the network (<c>ResetNet</c>), encode the
/// batch to <c>[T, B, C, H, W]</c>, forward to per-step logits <c>[T, B, classes]</c>, loss, backward, optional
/// gradient clipping, optimizer step at the scheduled learning rate; every step inside its own dispose scope. After each
/// epoch: test evaluation, <c>last.ckpt</c> (and <c>best.ckpt</c> on a new best test accuracy), metrics.csv,
/// summary.json and TensorBoard scalars in the output folder, if one is given.
/// <para>
/// Reproducible: the weights are initialised after <c>torch.manual_seed(seed)</c>, the data order, augmentation and
/// Poisson draws are functions of (seed, epoch, batch), and the global generator is re-seeded from (seed, epoch) at each
/// epoch start; so a run resumed from a checkpoint continues exactly as the uninterrupted run (on the same device).
/// </para>
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainingData _data;
    private readonly OptimizerHelper _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly SpikingLoss _loss;
    private readonly InputEncoder _encoder;
    private readonly RunOutputs? _outputs;
    private readonly TensorBoardLog? _tensorBoard;
    private readonly ITrainingObserver? _observer;
    private readonly List<EpochMetrics> _history = [];
    private readonly List<double> _stepLosses = [];
    private long _step;
    private double _bestAccuracy;
    private int _bestEpoch;
    private EvalResult? _lastEval;

    /// <summary>Sets up data, model and optimizer for <paramref name="config"/>; with <paramref name="resume"/>, continues from that checkpoint.</summary>
    public Trainer(TrainConfig config, string? outDir = null, ITrainingObserver? observer = null, Checkpoint? resume = null)
    {
        Config = config.Validate();
        Device = Devices.Resolve(config.Device);
        _data = new TrainingData(config);
        torch.manual_seed(config.Seed);
        var spec = new ModelSpec(TrainingData.ModelInput(_data.Train, _data.TrainLoader.OutputShape), _data.Train.NumClasses, config.Neuron);
        Model = ModelZoo.Create(config.Model, spec);
        Model.to(Device);
        _optimizer = CreateOptimizer(config, Model.parameters());
        int perEpoch = BatchesPerEpoch;
        _schedule = new LearningRateSchedule
        {
            Kind = config.Schedule, BaseLr = config.Lr, TotalSteps = (long)perEpoch * config.Epochs,
            WarmupSteps = (long)Math.Round(config.Warmup * perEpoch), StepEvery = (long)config.StepEpochs * perEpoch, Gamma = config.Gamma,
        }.Validate();
        _loss = config.CreateLoss();
        _encoder = TrainingData.Encoder(config, _data.Train);
        _observer = observer;
        if (outDir is not null)
        {
            _outputs = new RunOutputs(outDir);
            _tensorBoard = new TensorBoardLog(_outputs.TensorBoardDir);
        }
        if (resume is not null) Restore(resume);
    }

    /// <summary>Opens <paramref name="checkpointPath"/> and continues its run; <paramref name="adjust"/> may change e.g. the epoch count or device.</summary>
    public static Trainer Resume(string checkpointPath, string? outDir = null, ITrainingObserver? observer = null, Func<TrainConfig, TrainConfig>? adjust = null)
    {
        var ck = CheckpointFile.Load(checkpointPath);
        var config = adjust is null ? ck.Config : adjust(ck.Config);
        return new Trainer(config, outDir, observer, ck);
    }

    public TrainConfig Config { get; }
    public Device Device { get; }
    public SpikingModel Model { get; }
    /// <summary>Epochs finished so far.</summary>
    public int EpochsDone => _history.Count;
    public IReadOnlyList<EpochMetrics> History => _history;
    /// <summary>The loss of every optimizer step of the most recent epoch, in order.</summary>
    public IReadOnlyList<double> StepLosses => _stepLosses;
    /// <summary>Training batches per epoch (after <see cref="TrainConfig.MaxBatches"/>).</summary>
    public int BatchesPerEpoch => Config.MaxBatches > 0 ? Math.Min(Config.MaxBatches, _data.TrainLoader.BatchesPerEpoch) : _data.TrainLoader.BatchesPerEpoch;

    /// <summary>Trains the remaining epochs (up to <paramref name="stopAfterEpoch"/> when given); cancellation stops between batches, leaving the last finished epoch's checkpoint.</summary>
    public TrainingResult Run(CancellationToken cancel = default, int? stopAfterEpoch = null)
    {
        int last = Math.Min(Config.Epochs, stopAfterEpoch ?? Config.Epochs);
        for (int epoch = EpochsDone; epoch < last; epoch++) RunEpoch(epoch, cancel);
        var final = _lastEval ?? Evaluate();
        return new TrainingResult(Config, _history, _bestAccuracy, _bestEpoch, final, _history.Sum(h => h.Seconds));
    }

    /// <summary>Evaluates the current model on the test split.</summary>
    public EvalResult Evaluate() => Evaluator.Evaluate(Model, _data.TestLoader, _encoder, _loss, Device, Config.MaxBatches);

    private void RunEpoch(int epoch, CancellationToken cancel)
    {
        torch.manual_seed((long)(SampleRandom.Mix((ulong)Config.Seed ^ 0xE90C_0000UL ^ (ulong)epoch) >> 1));
        Model.train();
        int batches = BatchesPerEpoch;
        _observer?.EpochStarted(epoch + 1, Config.Epochs, batches);
        _stepLosses.Clear();
        double lossSum = 0, lr = _schedule.At(_step);
        long correct = 0;
        int images = 0, b = 0;
        var clock = Stopwatch.StartNew();
        foreach (var batch in _data.TrainLoader.Epoch(epoch))
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            using (batch)
            {
                lr = _schedule.At(_step);
                foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
                SpikingFunctional.ResetNet(Model);
                _optimizer.zero_grad();
                var x = _encoder.Encode(batch.Images.to(Device), (long)epoch * 1_000_003 + b);
                var y = batch.Labels.to(Device);
                var logits = Model.forward(x);
                var loss = _loss.Compute(logits, y);
                loss.backward();
                if (Config.ClipGrad > 0) nn.utils.clip_grad_norm_(Model.parameters(), Config.ClipGrad);
                _optimizer.step();
                _step++;
                double l = loss.item<float>();
                if (!double.IsFinite(l)) throw new ArithmeticException($"training diverged: loss is {l} at epoch {epoch + 1}, batch {b + 1} (try a smaller --lr or --clip-grad)");
                _stepLosses.Add(l);
                lossSum += l * batch.Count;
                correct += logits.detach().mean([0]).argmax(1).eq(y).sum().item<long>();
                images += batch.Count;
            }
            b++;
            _observer?.BatchFinished(epoch + 1, b, batches, lossSum / images, (double)correct / images, images / clock.Elapsed.TotalSeconds);
            if (b >= batches) break;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        SpikingFunctional.ResetNet(Model);
        var eval = Evaluate();
        _lastEval = eval;
        var metrics = new EpochMetrics(epoch + 1, lr, lossSum / images, (double)correct / images, eval.Loss, eval.Accuracy, images / seconds, seconds);
        _history.Add(metrics);
        bool best = _bestEpoch == 0 || eval.Accuracy > _bestAccuracy;
        if (best) { _bestAccuracy = eval.Accuracy; _bestEpoch = epoch + 1; }
        SaveOutputs(metrics, best, eval);
        _observer?.EpochFinished(metrics, best);
    }

    private void SaveOutputs(EpochMetrics metrics, bool best, EvalResult eval)
    {
        if (_outputs is null) return;
        var ck = CurrentCheckpoint();
        CheckpointFile.Save(_outputs.LastCheckpoint, ck);
        if (best) CheckpointFile.Save(_outputs.BestCheckpoint, ck);
        _outputs.WriteMetrics(_history);
        _outputs.WriteSummary(new TrainingResult(Config, _history, _bestAccuracy, _bestEpoch, eval, _history.Sum(h => h.Seconds)));
        _tensorBoard?.Epoch(metrics, eval);
    }

    /// <summary>The checkpoint of the current state (model, optimizer, epoch, step, history).</summary>
    public Checkpoint CurrentCheckpoint()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) _optimizer.save_state_dict(w);
        return new Checkpoint
        {
            Config = Config, Epoch = EpochsDone, Step = _step, BestAccuracy = _bestAccuracy, BestEpoch = _bestEpoch,
            History = [.. _history], StateShapes = CheckpointFile.StateShapesOf(Model),
            ModelState = CheckpointFile.ModelBytes(Model), OptimizerState = ms.ToArray(),
        };
    }

    private void Restore(Checkpoint ck)
    {
        CheckpointFile.LoadInto(ck, Model, "resume");
        Model.to(Device);
        if (ck.OptimizerState.Length > 0)
        {
            using var r = new BinaryReader(new MemoryStream(ck.OptimizerState));
            _optimizer.load_state_dict(r);
            _optimizer.to(Device);
        }
        _step = ck.Step;
        _bestAccuracy = ck.BestAccuracy;
        _bestEpoch = ck.BestEpoch;
        _history.AddRange(ck.History);
    }

    private static OptimizerHelper CreateOptimizer(TrainConfig c, IEnumerable<Parameter> parameters) => c.Optimizer switch
    {
        OptimizerKind.Sgd => optim.SGD(parameters, c.Lr, momentum: c.Momentum, weight_decay: c.WeightDecay, nesterov: c.Nesterov),
        OptimizerKind.Adam => optim.Adam(parameters, c.Lr, weight_decay: c.WeightDecay),
        _ => optim.AdamW(parameters, c.Lr, weight_decay: c.WeightDecay),
    };

    public void Dispose()
    {
        _data.Dispose();
        _optimizer.Dispose();
        Model.Dispose();
    }
}
