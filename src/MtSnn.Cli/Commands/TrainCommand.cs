using System.CommandLine;
using MtSnn.Cli.Training;
using MtSnn.IO;
using MtSnn.Distributed;
using MtSnn.Training;

namespace MtSnn.Cli.Commands;

/// <summary>
/// <c>mtsnn train</c>: trains a spiking model. <c>--out DIR</c> receives last.ckpt, best.ckpt, metrics.csv, summary.json,
/// TensorBoard events (tb/) and PNG plots; <c>--resume</c> continues from DIR/last.ckpt. Ctrl-C stops between batches;
/// the last finished epoch's checkpoint stays valid (checkpoints are written atomically).
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var options = new TrainCliOptions();
        var outDir = new Option<string?>("--out", "-o") { Description = "Output folder (checkpoints, metrics.csv, summary.json, tb/, plots)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/last.ckpt (its configuration; only --epochs, --device, --tf32, --workers, --max-batches, --data may change; a new --epochs re-spreads the schedule over the new total)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress: print only the final table." };
        var distributed = new Option<string>("--distributed")
        {
            Description = $"Data-parallel backend when started by mpirun, torchrun or srun: {string.Join(", ", DistributedModes.Names)} (auto: nccl for --device cuda, mpi for cpu, off for one rank). The global batch is --batch-size x ranks; --lr is used as given.",
            DefaultValueFactory = _ => "auto",
        };
        var initFrom = new Option<string?>("--init-from")
        {
            Description = $"Start from these weights, matched by name: {MtSnn.Interop.Torch.WeightSources.Kinds}; torchvision resnet18/34 and SpikingJelly spiking_resnet, sew_resnet, spiking_vgg*_bn and PLIF-net names map onto the zoo. The name-by-name report goes to OUT/init-from.txt (or stderr without --out).",
        };
        var cmd = new Command("train", "Train a multi-threshold spiking neural network.");
        options.AddTo(cmd);
        cmd.Options.Add(outDir);
        cmd.Options.Add(resume);
        cmd.Options.Add(quiet);
        cmd.Options.Add(distributed);
        cmd.Options.Add(initFrom);
        cmd.SetAction(p0 =>
        {
            var input = options.WithConfig(cmd, p0);
            var stdout = p0.InvocationConfiguration.Output;
            string? dir = input.GetValue(outDir);
            bool isQuiet = input.GetValue(quiet);
            var mode = DistributedModes.Parse(input.GetValue(distributed)!);
            TrainConfig config;
            Checkpoint? ck = null;
            string? initPath = input.GetValue(initFrom);
            if (initPath is not null && input.GetValue(resume)) throw new UsageException("--init-from starts a new run; it cannot be combined with --resume");
            string? last = null;
            if (input.GetValue(resume))
            {
                if (dir is null) throw new UsageException("--resume needs --out DIR (the folder holding last.ckpt)");
                last = new RunOutputs(dir).LastCheckpoint;
                MtSnn.IO.InputFile.Require(last, "--resume: checkpoint");
                ck = CheckpointFile.Load(last);
                config = options.AdjustForResume(input, ck.Config, [outDir, resume, quiet, options.Config, distributed]).Validate();
            }
            else config = options.Build(input);
            var init = initPath is null ? null : MtSnn.Interop.Torch.WeightSources.Open(initPath);
            var stderr = p0.InvocationConfiguration.Error;
            return DistributedRun.Run(mode, config, LaunchEnvironment.Current, stderr, (c, parallel) =>
            {
                bool writer = parallel is null || parallel.Rank == 0;
                return Run(o => new Trainer(c, writer ? dir : null, writer ? o : null, ck, parallel, init, last), writer ? dir : null, writer ? stdout : TextWriter.Null, isQuiet, parallel, writer ? stderr : TextWriter.Null);
            });
        });
        return cmd;
    }

    /// <summary>True when writing to a real terminal (progress bar); false for redirected or captured output (one line per epoch).</summary>
    public static bool Interactive(TextWriter stdout) => ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>The init-from report's file in the output folder.</summary>
    public const string InitReportFile = "init-from.txt";

    private static int Run(Func<ITrainingObserver?, Trainer> create, string? dir, TextWriter stdout, bool quiet, DataParallel? parallel, TextWriter stderr)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            ITrainingObserver? observer = quiet ? null : Interactive(stdout) ? new SpectreProgress() : new PlainProgress(stdout);
            using var trainer = create(observer);   // opens and checks every input (data, checkpoint) before anything is written
            if (trainer.EpochsDone >= trainer.Config.Epochs)
                throw new UsageException($"nothing to do: the checkpoint already has {trainer.EpochsDone} of {trainer.Config.Epochs} epochs (pass a larger --epochs)");
            var folder = dir is null ? null : OutputFolder.Prepare(dir, "--out");
            if (trainer.InitReport is { } report)
            {
                if (dir is null) stderr.Write(report.Text());
                else
                {
                    string file = Path.Combine(dir, InitReportFile);
                    AtomicFile.WriteAllText(file, report.Text());
                    stderr.WriteLine($"init-from {report.File}: {report.Loaded} loaded, {report.Skipped} skipped, {report.Missing} missing (report: {file})");
                }
            }
            int startEpochs = trainer.EpochsDone;
            try { return Train(trainer, observer, cts, dir, stdout, quiet, parallel); }
            catch when (trainer.EpochsDone == startEpochs)
            {
                folder?.RemoveIfCreated();   // failed before its first epoch: leave nothing behind
                throw;
            }
        }
        catch (OperationCanceledException)
        {
            stdout.WriteLine(dir is null ? "interrupted" : $"interrupted; {Path.Combine(dir, "last.ckpt")} holds the last finished epoch (continue with --resume)");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static int Train(Trainer trainer, ITrainingObserver? observer, CancellationTokenSource cts, string? dir, TextWriter stdout, bool quiet, DataParallel? parallel)
    {
        int startEpochs = trainer.EpochsDone;
        string ranks = parallel is null ? "" : $" x {parallel.WorldSize} ranks ({parallel.Collectives.Description}) = global batch {trainer.Config.BatchSize * parallel.WorldSize}";
        if (!quiet) stdout.WriteLine($"training {trainer.Config.Model} on {trainer.Config.Dataset}: {trainer.Config.Neuron.Dynamics} {trainer.Config.Label}, {trainer.Config.Epochs} epochs, batch {trainer.Config.BatchSize}{ranks}, {trainer.BatchesPerEpoch} batches/epoch, device {trainer.Device}{(trainer.EpochsDone > 0 ? $", resuming after epoch {trainer.EpochsDone}" : "")}");
        TrainingResult result = observer is SpectreProgress sp ? sp.Run(() => trainer.Run(cts.Token)) : trainer.Run(cts.Token);
        if (dir is not null) TrainingPlots.Save(result, dir);
        if (!quiet) stdout.WriteLine();
        stdout.Write(ResultTable.Markdown(result));
        if (parallel is not null && !quiet)
        {
            // rank 0's view; the ranks run in lock step. Bandwidth = bytes per step / allreduce seconds per step (algorithm bandwidth)
            long steps = (long)trainer.BatchesPerEpoch * (trainer.EpochsDone - startEpochs);
            double perStep = steps > 0 ? parallel.AllReduceSeconds / steps : 0;
            stdout.WriteLine(FormattableString.Invariant($"\nallreduce: {parallel.BytesPerStep} bytes per step in {parallel.Buckets} buckets, {parallel.AllReduceSeconds:F3} s in {steps} steps ({perStep * 1e3:F1} ms per step, {(perStep > 0 ? parallel.BytesPerStep / perStep / 1e9 : 0):F2} GB/s), train {result.History[^1].Seconds:F3} s last epoch"));
        }
        if (dir is not null && !quiet) stdout.WriteLine($"\nwrote {dir}: last.ckpt, best.ckpt, metrics.csv, summary.json, tb/, loss.png, accuracy.png, firing_rates.png");
        return 0;
    }
}
