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
        ["epoch"] = Epoch, ["lr"] = MtSnn.IO.RoundTripNumber.Json(Lr), ["train_loss"] = MtSnn.IO.RoundTripNumber.Json(TrainLoss), ["train_acc"] = MtSnn.IO.RoundTripNumber.Json(TrainAccuracy),
        ["test_loss"] = MtSnn.IO.RoundTripNumber.Json(TestLoss), ["test_acc"] = MtSnn.IO.RoundTripNumber.Json(TestAccuracy), ["img_per_s"] = MtSnn.IO.RoundTripNumber.Json(ImagesPerSecond), ["seconds"] = MtSnn.IO.RoundTripNumber.Json(Seconds),
    };

    /// <summary>Reads <see cref="ToJson"/>'s output.</summary>
    public static EpochMetrics FromJson(JsonNode j) => new(
        j["epoch"]!.GetValue<int>(), j["lr"]!.GetValue<double>(), j["train_loss"]!.GetValue<double>(), j["train_acc"]!.GetValue<double>(),
        j["test_loss"]!.GetValue<double>(), j["test_acc"]!.GetValue<double>(), j["img_per_s"]!.GetValue<double>(), j["seconds"]!.GetValue<double>());

    private static string R(double v) => MtSnn.IO.RoundTripNumber.Format(v);
}
