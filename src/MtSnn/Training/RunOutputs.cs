using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtSnn.IO;

namespace MtSnn.Training;

/// <summary>
/// The files of a training run in its output folder: <c>last.ckpt</c> and <c>best.ckpt</c> (<see cref="CheckpointFile"/>),
/// <c>metrics.csv</c> (one row per epoch, <see cref="EpochMetrics.CsvHeader"/>), <c>summary.json</c> and TensorBoard
/// event files under <c>tb/</c>. Every file is written atomically.
/// </summary>
public sealed class RunOutputs(string dir)
{
    public string Dir { get; } = dir;
    public string LastCheckpoint => Path.Combine(Dir, "last.ckpt");
    public string BestCheckpoint => Path.Combine(Dir, "best.ckpt");
    public string MetricsCsv => Path.Combine(Dir, "metrics.csv");
    public string SummaryJson => Path.Combine(Dir, "summary.json");
    public string TensorBoardDir => Path.Combine(Dir, "tb");

    /// <summary>Rewrites metrics.csv from the whole history.</summary>
    public void WriteMetrics(IReadOnlyList<EpochMetrics> history)
    {
        var sb = new StringBuilder(EpochMetrics.CsvHeader).Append('\n');
        foreach (var m in history) sb.Append(m.ToCsv()).Append('\n');
        AtomicFile.WriteAllText(MetricsCsv, sb.ToString());
    }

    /// <summary>Writes summary.json.</summary>
    public void WriteSummary(TrainingResult result) =>
        AtomicFile.WriteAllText(SummaryJson, result.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}

/// <summary>The outcome of a training run (what summary.json holds).</summary>
public sealed record TrainingResult(TrainConfig Config, IReadOnlyList<EpochMetrics> History, double BestAccuracy, int BestEpoch, EvalResult Final, double TrainSeconds)
{
    /// <summary>The device the run trained on (<c>cpu</c>, <c>cuda:0</c>, ...).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The TF32 switches in effect during the run (they matter on CUDA only).</summary>
    public Tf32Settings? Tf32 { get; init; }

    /// <summary>Final test accuracy (after the last epoch).</summary>
    public double FinalAccuracy => Final.Accuracy;

    /// <summary>Mean training throughput over the run's epochs (images per second, training passes only).</summary>
    public double ImagesPerSecond => History.Count == 0 ? 0 : History.Average(h => h.ImagesPerSecond);

    public JsonObject ToJson()
    {
        var rates = new JsonArray();
        foreach (var l in Final.FiringRates)
            rates.Add(new JsonObject { ["layer"] = l.Layer, ["levels"] = new JsonArray([.. l.Levels.Select(v => (JsonNode?)v)]) });
        return new JsonObject
        {
            ["config"] = Config.ToJson(),
            ["label"] = Config.Label,
            ["device"] = Device,
            ["tf32"] = Tf32?.ToJson(),
            ["epochs"] = History.Count,
            ["best_test_acc"] = MtSnn.IO.RoundTripNumber.Json(BestAccuracy),
            ["best_epoch"] = BestEpoch,
            ["final_test_acc"] = MtSnn.IO.RoundTripNumber.Json(Final.Accuracy),
            ["final_test_loss"] = MtSnn.IO.RoundTripNumber.Json(Final.Loss),
            ["img_per_s"] = MtSnn.IO.RoundTripNumber.Json(ImagesPerSecond),
            ["train_seconds"] = MtSnn.IO.RoundTripNumber.Json(TrainSeconds),
            ["allocator"] = MtSnn.Native.CpuAllocator.Description,
            ["huge_pages"] = MtSnn.Native.HugePages.Description,
            ["firing_rates"] = rates,
            ["history"] = new JsonArray([.. History.Select(h => (JsonNode?)h.ToJson())]),
        };
    }
}
