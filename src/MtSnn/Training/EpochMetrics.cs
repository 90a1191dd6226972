using System.Globalization;
using System.Text.Json.Nodes;

namespace MtSnn.Training;

/// <summary>One row of metrics.csv: the results of one epoch (1-based). Accuracies are fractions in [0, 1].</summary>
public sealed record EpochMetrics(int Epoch, double Lr, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double ImagesPerSecond, double Seconds)
{
    /// <summary>The CSV header.</summary>
    public const string CsvHeader = "epoch,lr,train_loss,train_acc,test_loss,test_acc,img_per_s,seconds";

    /// <summary>The CSV row (invariant culture, full precision).</summary>
    public string ToCsv() => string.Join(',', Epoch.ToString(CultureInfo.InvariantCulture),
        R(Lr), R(TrainLoss), R(TrainAccuracy), R(TestLoss), R(TestAccuracy), R(ImagesPerSecond), R(Seconds));

    /// <summary>As JSON (keys as the CSV header).</summary>
    public JsonObject ToJson() => new()
    {
        ["epoch"] = Epoch, ["lr"] = Lr, ["train_loss"] = TrainLoss, ["train_acc"] = TrainAccuracy,
        ["test_loss"] = TestLoss, ["test_acc"] = TestAccuracy, ["img_per_s"] = ImagesPerSecond, ["seconds"] = Seconds,
    };

    /// <summary>Reads <see cref="ToJson"/>'s output.</summary>
    public static EpochMetrics FromJson(JsonNode j) => new(
        j["epoch"]!.GetValue<int>(), j["lr"]!.GetValue<double>(), j["train_loss"]!.GetValue<double>(), j["train_acc"]!.GetValue<double>(),
        j["test_loss"]!.GetValue<double>(), j["test_acc"]!.GetValue<double>(), j["img_per_s"]!.GetValue<double>(), j["seconds"]!.GetValue<double>());

    private static string R(double v) => MtSnn.IO.RoundTripNumber.Format(v);
}
