using System.Text.Json.Nodes;

namespace MtSnn.Training;

/// <summary>
/// A training checkpoint: the configuration, the number of finished epochs and optimizer steps, the model's state
/// (parameters and buffers, TorchSharp's <c>Module.save</c> format) with the name and shape of every entry, the
/// optimizer's state (momentum / Adam moments, <c>save_state_dict</c> format) and the metrics so far. Data order,
/// augmentation and Poisson draws are functions of (seed, epoch, batch), so these fields are all a resume needs to
/// continue exactly. Read and written by <see cref="CheckpointFile"/>.
/// </summary>
public sealed record Checkpoint
{
    public required TrainConfig Config { get; init; }
    /// <summary>Epochs finished (the next epoch to train is this number, counting from 0).</summary>
    public required int Epoch { get; init; }
    /// <summary>Optimizer steps taken.</summary>
    public required long Step { get; init; }
    /// <summary>Best test accuracy so far (0..1).</summary>
    public double BestAccuracy { get; init; }
    /// <summary>Epoch (1-based) that reached <see cref="BestAccuracy"/>.</summary>
    public int BestEpoch { get; init; }
    /// <summary>Metrics of the finished epochs.</summary>
    public IReadOnlyList<EpochMetrics> History { get; init; } = [];
    /// <summary>Name and shape of every model state entry, in state_dict order.</summary>
    public required IReadOnlyList<(string Name, long[] Shape)> StateShapes { get; init; }
    /// <summary>The model state as written by <c>Module.save(BinaryWriter)</c>.</summary>
    public required byte[] ModelState { get; init; }
    /// <summary>The optimizer state as written by <c>save_state_dict(BinaryWriter)</c>; empty for a weights-only checkpoint.</summary>
    public byte[] OptimizerState { get; init; } = [];

    /// <summary>The header: every field but the two state blobs, as JSON.</summary>
    internal JsonObject Header()
    {
        var shapes = new JsonArray();
        foreach (var (name, shape) in StateShapes)
            shapes.Add(new JsonObject { ["name"] = name, ["shape"] = new JsonArray([.. shape.Select(s => (JsonNode?)s)]) });
        return new JsonObject
        {
            ["format"] = CheckpointFile.FormatVersion,
            ["epoch"] = Epoch,
            ["step"] = Step,
            ["best_accuracy"] = MtSnn.IO.RoundTripNumber.Json(BestAccuracy),
            ["best_epoch"] = BestEpoch,
            ["config"] = Config.ToJson(),
            ["history"] = new JsonArray([.. History.Select(h => (JsonNode?)h.ToJson())]),
            ["state"] = shapes,
        };
    }
}
