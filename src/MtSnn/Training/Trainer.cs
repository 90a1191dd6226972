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
/// summary.json and TensorBoard scalars and histograms in the output folder, if one is given.
/// <para>
/// On CUDA the loop never waits for the device within a step: batches come in pinned memory and are copied
/// asynchronously, and the step metrics stay on the device until a read-back every <see cref="ReadBackInterval"/> steps
/// (which also runs the divergence check).
/// </para>
/// <para>
/// Reproducible: the weights are initialised after <c>torch.manual_seed(seed)</c>, the data order, augmentation and
/// Poisson draws are functions of (seed, epoch, batch), and the global generator is re-seeded from (seed, epoch) at each
/// epoch start; so a run resumed from a checkpoint continues exactly as the uninterrupted run (on the same device).
/// </para>
/// <para>
/// Data-parallel (an <see cref="IDataParallel"/> given): every rank trains on its part of each global batch of B·W
/// samples, the gradients are averaged over the global batch before clipping and the step, buffers are copied from rank 0
/// before each evaluation, and the evaluation and the epoch metrics are summed over ranks (the test accuracy is that of
/// the whole test set). Poisson draws are seeded per (epoch, batch, rank).
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
    private TensorBoardLog? _tensorBoard;   // made at the first epoch's end: a run that fails before it leaves no tb/
    private readonly ITrainingObserver? _observer;
    private readonly List<EpochMetrics> _history = [];
    private readonly List<double> _stepLosses = [];
    private long _step;
    private double _bestAccuracy;
    private int _bestEpoch;
    private EvalResult? _lastEval;
    private int _readBackInterval;
    private readonly Tf32Settings _tf32Before;
    private readonly IDataParallel? _parallel;
    private readonly Parameter[] _parameters;

    /// <summary>Sets up data, model and optimizer for <paramref name="config"/>; with <paramref name="resume"/>, continues from that checkpoint.</summary>
    /// <param name="config">The run.</param>
    /// <param name="outDir">Output folder (null: nothing written; in data-parallel training give it on rank 0 only).</param>
    /// <param name="observer">Progress receiver, or null.</param>
    /// <param name="resume">Checkpoint to continue from, or null.</param>
    /// <param name="parallel">The data-parallel group, or null for a single process.</param>
    /// <param name="initFrom">Weights to start from (<c>--init-from</c>; loaded by name, see <see cref="MtSnn.Interop.Torch.WeightLoader"/>), or null; not with <paramref name="resume"/>.</param>
    /// <param name="resumeSource">Names the resumed checkpoint (its path) in errors.</param>
    public Trainer(TrainConfig config, string? outDir = null, ITrainingObserver? observer = null, Checkpoint? resume = null, IDataParallel? parallel = null,
                   MtSnn.Interop.Torch.WeightSource? initFrom = null, string? resumeSource = null)
    {
        if (initFrom is not null && resume is not null) throw new ArgumentException("--init-from starts a new run; it cannot be combined with --resume");
        Config = config.Validate();
        Device = Devices.Resolve(config.Device);
        ThreadPolicy.ApplyFor(config.Workers);   // intra-op threads: what the loader threads leave, or --threads
        _readBackInterval = Device.type == DeviceType.CUDA ? 25 : 1;
        _parallel = parallel;
        _data = new TrainingData(config, pinMemory: Device.type == DeviceType.CUDA, parallel?.Shard);
        torch.manual_seed(config.Seed);
        var spec = config.ModelSpec(TrainingData.ModelInput(_data.Train, _data.TrainLoader.OutputShape), _data.Train.NumClasses);
        Model = ModelZoo.Create(config.Model, spec);
        if (initFrom is not null) InitReport = MtSnn.Interop.Torch.WeightLoader.Load(initFrom.For(Model), Model);
        Model.to(Device);
        if (config.SyncBn && parallel is { WorldSize: > 1 })
        {
            CheckEveryRankHasSamples(parallel);
            SyncBatchNorm2d.Attach(Model, parallel);
        }
        _parameters = [.. Model.parameters()];
        _optimizer = CreateOptimizer(config, _parameters);
        int perEpoch = BatchesPerEpoch;
        _schedule = new LearningRateSchedule
        {
            Kind = config.Schedule, BaseLr = config.Lr, TotalSteps = (long)perEpoch * config.Epochs,
            WarmupSteps = (long)Math.Round(config.Warmup * perEpoch), StepEvery = (long)config.StepEpochs * perEpoch, Gamma = config.Gamma,
        }.Validate();
        _loss = config.CreateLoss();
        _encoder = TrainingData.Encoder(config, _data.Train);
        _observer = observer;
        if (outDir is not null) _outputs = new RunOutputs(outDir);
        if (resume is not null) Restore(resume, resumeSource ?? "resume");
        _parallel?.Synchronize(Model, Config);
        _tf32Before = Tf32Settings.Apply(config.Tf32);   // process-wide; Dispose restores the settings before
    }

    /// <summary>Opens <paramref name="checkpointPath"/> and continues its run; <paramref name="adjust"/> may change e.g. the epoch count or device.</summary>
    public static Trainer Resume(string checkpointPath, string? outDir = null, ITrainingObserver? observer = null, Func<TrainConfig, TrainConfig>? adjust = null, IDataParallel? parallel = null)
    {
        var ck = CheckpointFile.Load(checkpointPath);
        var config = adjust is null ? ck.Config : adjust(ck.Config);
        return new Trainer(config, outDir, observer, ck, parallel, resumeSource: checkpointPath);
    }

    public TrainConfig Config { get; }
    /// <summary>What <c>initFrom</c> loaded, skipped and left missing, name by name; null without it.</summary>
    public MtSnn.Interop.Torch.WeightLoadReport? InitReport { get; }
    public Device Device { get; }
    public SpikingModel Model { get; }
    /// <summary>Epochs finished so far.</summary>
    public int EpochsDone => _history.Count;
    public IReadOnlyList<EpochMetrics> History => _history;
    /// <summary>The loss of every optimizer step of the most recent epoch, in order.</summary>
    public IReadOnlyList<double> StepLosses => _stepLosses;
    /// <summary>
    /// Training steps between read-backs of the step metrics (loss, correct count) to the host: the progress observer,
    /// <see cref="StepLosses"/> and the divergence check are updated every this many steps and at the epoch end. Each
    /// read-back waits for the device, so on CUDA it is 25 (the device runs ahead of the host in between); on the CPU,
    /// where nothing runs ahead, 1. The value does not change any result.
    /// </summary>
    internal int ReadBackInterval
    {
        get => _readBackInterval;
        set => _readBackInterval = value >= 1 ? value : throw new ArgumentException($"read-back interval must be >= 1 step (got {value})");
    }

    /// <summary>Training batches per epoch (after <see cref="TrainConfig.MaxBatches"/>).</summary>
    public int BatchesPerEpoch => Config.MaxBatches > 0 ? Math.Min(Config.MaxBatches, _data.TrainLoader.BatchesPerEpoch) : _data.TrainLoader.BatchesPerEpoch;

    /// <summary>
    /// Synchronised batch norm needs every rank in every forward pass (its statistics are allreduced there); a rank
    /// without samples skips the pass, so a last global batch smaller than the world is refused up front.
    /// </summary>
    private void CheckEveryRankHasSamples(IDataParallel parallel)
    {
        int last = _data.TrainLoader.Options.Shard.GlobalBatchSize(BatchesPerEpoch - 1, _data.Train.Count, Config.BatchSize);
        if (last < parallel.WorldSize)
            throw new ArgumentException($"--sync-bn: the last global batch of each epoch has {last} samples, fewer than the {parallel.WorldSize} ranks, so a rank would have none to normalise; choose another --batch-size or --max-batches");
    }

    /// <summary>Trains the remaining epochs (up to <paramref name="stopAfterEpoch"/> when given); cancellation stops between batches, leaving the last finished epoch's checkpoint.</summary>
    public TrainingResult Run(CancellationToken cancel = default, int? stopAfterEpoch = null)
    {
        int last = Math.Min(Config.Epochs, stopAfterEpoch ?? Config.Epochs);
        for (int epoch = EpochsDone; epoch < last; epoch++) RunEpoch(epoch, cancel);
        var final = _lastEval ?? Evaluate();
        return Result(final);
    }

    /// <summary>Evaluates the current model on the test split.</summary>
    public EvalResult Evaluate()
    {
        if (_parallel is null) return Evaluator.Evaluate(Model, _data.TestLoader, _encoder, _loss, Device, Config.MaxBatches);
        _parallel.SynchronizeBuffers(Model);
        var local = Evaluator.Evaluate(Model, _data.TestLoader, _encoder, _loss, Device, Config.MaxBatches);
        return EvalReduction.Sum(local, _parallel);
    }

    private void RunEpoch(int epoch, CancellationToken cancel)
    {
        torch.manual_seed((long)(SampleRandom.Mix((ulong)Config.Seed ^ 0xE90C_0000UL ^ (ulong)epoch) >> 1));
        Model.train();
        int batches = BatchesPerEpoch;
        _observer?.EpochStarted(epoch + 1, Config.Epochs, batches);
        _stepLosses.Clear();
        var sums = new EpochSums();
        double lr = _schedule.At(_step);
        int b = 0;
        using var pending = new PendingStepMetrics();
        var clock = Stopwatch.StartNew();
        foreach (var batch in _data.TrainLoader.Epoch(epoch))
        {
            cancel.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            using (batch)
            {
                lr = _schedule.At(_step);
                foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
                SpikingFunctional.ResetNet(Model);
                _optimizer.zero_grad();
                // non_blocking: the loader pins its batches when training on CUDA; the pinned block is not reused before the copy ends
                if (batch.Count > 0)   // 0: this rank's part of a short last global batch (it still takes part in the averaging)
                {
                    long drawSeed = ((long)epoch * 1_000_003 + b) * (_parallel?.WorldSize ?? 1) + (_parallel?.Rank ?? 0);
                    var x = _encoder.Encode(batch.Images.to(Device, non_blocking: true), drawSeed);
                    var y = batch.Labels.to(Device, non_blocking: true);
                    var logits = Model.forward(x);
                    var loss = _loss.Compute(logits, y);
                    loss.backward();
                    pending.Add(loss, logits.detach().mean([0]).argmax(1).eq(y).sum(), batch.Count);
                }
                _parallel?.AverageGradients(_parameters, batch.Count, _data.TrainLoader.Options.Shard.GlobalBatchSize(b, _data.Train.Count, Config.BatchSize));
                if (Config.ClipGrad > 0) GradientClipping.ClipGradNorm(Model.parameters(), Config.ClipGrad);
                _optimizer.step();
                _step++;
            }
            b++;
            bool last = b >= batches;
            if (last || pending.Count >= ReadBackInterval)
            {
                Fold(pending, sums, epoch, b);
                _observer?.BatchFinished(epoch + 1, b, batches, sums.LossSum / sums.Images, (double)sums.Correct / sums.Images, sums.Images / clock.Elapsed.TotalSeconds);
            }
            if (last) break;
        }
        Fold(pending, sums, epoch, b);   // an epoch that ran out of batches before BatchesPerEpoch
        double seconds = clock.Elapsed.TotalSeconds;
        if (_parallel is not null)
        {
            double[] totals = [sums.LossSum, sums.Correct, sums.Images, seconds];
            _parallel.Sum(totals);
            (sums.LossSum, sums.Correct, sums.Images) = (totals[0], (long)Math.Round(totals[1]), (int)Math.Round(totals[2]));
            seconds = totals[3] / _parallel.WorldSize;   // the ranks run in lock step: their mean epoch time
        }
        SpikingFunctional.ResetNet(Model);
        var eval = Evaluate();
        _lastEval = eval;
        var metrics = new EpochMetrics(epoch + 1, lr, sums.LossSum / sums.Images, (double)sums.Correct / sums.Images, eval.Loss, eval.Accuracy, sums.Images / seconds, seconds);
        _parallel?.CheckConsistent(Model);
        _history.Add(metrics);
        bool best = _bestEpoch == 0 || eval.Accuracy > _bestAccuracy;
        if (best) { _bestAccuracy = eval.Accuracy; _bestEpoch = epoch + 1; }
        SaveOutputs(metrics, best, eval);
        _observer?.EpochFinished(metrics, best);
    }

    /// <summary>Running sums of an epoch: sum of loss x batch size (float64, in step order), correct predictions, images.</summary>
    private sealed class EpochSums
    {
        public double LossSum;
        public long Correct;
        public int Images;
    }

    /// <summary>
    /// Reads the pending steps back (one synchronisation) and adds them in step order, exactly as a per-step read did:
    /// <c>lossSum += (double)L_s * B_s</c>, <c>correct += c_s</c>. A non-finite loss stops training with the epoch and batch.
    /// </summary>
    private void Fold(PendingStepMetrics pending, EpochSums sums, int epoch, int batchesDone)
    {
        var steps = pending.ReadBack();
        int first = batchesDone - steps.Length;
        for (int i = 0; i < steps.Length; i++)
        {
            double l = steps[i].Loss;
            if (!double.IsFinite(l))
                throw new ArithmeticException($"training diverged: loss is {l} at epoch {epoch + 1}, batch {first + i + 1} (try a smaller --lr or --clip-grad)");
            _stepLosses.Add(l);
            sums.LossSum += l * steps[i].Count;
            sums.Correct += steps[i].Correct;
            sums.Images += steps[i].Count;
        }
    }

    private void SaveOutputs(EpochMetrics metrics, bool best, EvalResult eval)
    {
        if (_outputs is null) return;
        var ck = CurrentCheckpoint();
        CheckpointFile.Save(_outputs.LastCheckpoint, ck);
        if (best) CheckpointFile.Save(_outputs.BestCheckpoint, ck);
        _outputs.WriteMetrics(_history);
        _outputs.WriteSummary(Result(eval));
        _tensorBoard ??= new TensorBoardLog(_outputs.TensorBoardDir);
        _tensorBoard.Epoch(metrics, eval);
        _tensorBoard.Histograms(Model, NeuronRates.OnFirstBatch(Model, _data.TestLoader, _encoder, Device), metrics.Epoch);
    }

    private TrainingResult Result(EvalResult final) => new(Config, _history, _bestAccuracy, _bestEpoch, final, _history.Sum(h => h.Seconds))
    {
        Device = Device.ToString(), Tf32 = Tf32Settings.Current,
    };

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

    private void Restore(Checkpoint ck, string source)
    {
        CheckpointFile.LoadInto(ck, Model, source);
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
        OptimizerKind.AdamW => optim.AdamW(parameters, c.Lr, weight_decay: c.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Optimizer, $"unknown optimizer {c.Optimizer}"),
    };

    public void Dispose()
    {
        _tf32Before.Set();
        _tensorBoard?.Dispose();
        _data.Dispose();
        _optimizer.Dispose();
        Model.Dispose();
    }
}
