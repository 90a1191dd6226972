using System.Text;
using MtSnn.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Interop.Torch;

/// <summary>What happened to one tensor: loaded (source -&gt; target), folded, skipped (with the reason) or missing (a model entry no file tensor filled).</summary>
public sealed record WeightLoadLine(string Status, string? Source, string? Target, string Shape, string? Reason)
{
    /// <summary>One report line: <c>loaded  conv1.weight -&gt; conv1.module.conv.weight [64, 3, 7, 7]</c>.</summary>
    public override string ToString() => Status switch
    {
        "loaded" or "folded" => $"{Status,-8}{Source} -> {Target} {Shape}{(Reason is null ? "" : $" ({Reason})")}",
        "skipped" => $"{Status,-8}{Source} {Shape}: {Reason}",
        _ => $"{Status,-8}{Target} {Shape}: {Reason}",
    };
}

/// <summary>The name-by-name account of one <see cref="WeightLoader.Load"/>.</summary>
public sealed record WeightLoadReport(string File, string Model, string Scheme, IReadOnlyList<WeightLoadLine> Lines)
{
    public int Loaded => Lines.Count(l => l.Status is "loaded" or "folded");
    public int Skipped => Lines.Count(l => l.Status == "skipped");
    public int Missing => Lines.Count(l => l.Status == "missing");

    /// <summary>The header line and one line per tensor.</summary>
    public string Text()
    {
        var b = new StringBuilder();
        b.Append($"init-from {File} into {Model} (names: {Scheme}): {Loaded} loaded, {Skipped} skipped, {Missing} missing\n");
        foreach (var l in Lines) b.Append(l).Append('\n');
        return b.ToString();
    }
}

/// <summary>
/// Loads a foreign state_dict into a zoo model by name (<see cref="WeightNames"/>): every mapped tensor is checked
/// (shape, kind) and copied to a new tensor first; the model changes only after every check passed, so a failure leaves
/// it as it was. A shape mismatch throws <see cref="InvalidDataException"/> naming the tensor, both shapes and the file,
/// except for the classifier (<c>fc</c>) when the class counts differ: that is skipped and reported.
/// </summary>
public static class WeightLoader
{
    /// <summary>Loads <paramref name="weights"/> into <paramref name="model"/>; returns the report.</summary>
    public static WeightLoadReport Load(TorchStateDict weights, SpikingModel model)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(model);
        string modelName = model.GetName();
        var (scheme, map) = WeightNames.For(model);
        var targets = model.state_dict();
        var lines = new List<WeightLoadLine>();
        var pending = new Dictionary<string, (string Source, TorchTensor Value)>(StringComparer.Ordinal);
        var folds = new List<(string Source, string Target, TorchTensor Bias)>();

        var tensors = weights.Tensors;
        bool dataParallel = tensors.Count > 0 && tensors.All(kv => kv.Key.StartsWith("module.", StringComparison.Ordinal));
        foreach (var (fileName, value) in tensors)
        {
            string name = dataParallel ? fileName["module.".Length..] : fileName;
            NameMapping? m = targets.ContainsKey(name) ? new NameMapping.To(name) : map(name);
            switch (m)
            {
                case null:
                    lines.Add(new("skipped", fileName, null, value.ShapeText, $"no counterpart in {modelName}"));
                    break;
                case NameMapping.Skip s:
                    lines.Add(new("skipped", fileName, null, value.ShapeText, s.Reason));
                    break;
                case NameMapping.FoldIntoMean f:
                    if (!targets.TryGetValue(f.RunningMean, out var mean))
                    {
                        lines.Add(new("skipped", fileName, null, value.ShapeText, $"no counterpart in {modelName}"));
                        break;
                    }
                    CheckShape(weights.Path, fileName, value, f.RunningMean, mean.shape, modelName);
                    folds.Add((fileName, f.RunningMean, value));
                    break;
                case NameMapping.To to:
                    if (!targets.TryGetValue(to.Target, out var target))
                    {
                        string why = to.Target.EndsWith(".plif_a", StringComparison.Ordinal)
                            ? $"PLIF's w; {modelName}'s neuron {to.Target[..^".plif_a".Length]} is not PLIF"
                            : $"no counterpart in {modelName} ({to.Target})";
                        lines.Add(new("skipped", fileName, null, value.ShapeText, why));
                        break;
                    }
                    if (to.Head && !value.Shape.SequenceEqual(target.shape))
                    {
                        lines.Add(new("skipped", fileName, null, value.ShapeText,
                            $"the classifier: {value.Shape[0]} classes in the file, {target.shape[0]} in {modelName} ({to.Target} {TorchTensor.ShapeString(target.shape)})"));
                        break;
                    }
                    CheckShape(weights.Path, fileName, value, to.Target, target.shape, modelName);
                    bool targetFloat = target.is_floating_point();
                    if (targetFloat != (value.Floats is not null))
                        throw new InvalidDataException($"{weights.Path}: tensor {Printable(fileName)} is {value.DType}, {modelName}'s {to.Target} is {target.dtype}");
                    if (pending.TryGetValue(to.Target, out var earlier))
                        throw new InvalidDataException($"{weights.Path}: tensors {Printable(earlier.Source)} and {Printable(fileName)} both map to {modelName}'s {to.Target}");
                    pending[to.Target] = (fileName, value);
                    lines.Add(new("loaded", fileName, to.Target, value.ShapeText, value.DType == "float32" || value.DType == "int64" ? null : $"from {value.DType}"));
                    break;
            }
        }
        if (pending.Count == 0)
            throw new InvalidDataException($"{weights.Path}: no tensor matches {modelName} (names: {scheme}; the file's first names: {string.Join(", ", tensors.Take(3).Select(kv => Printable(kv.Key)))})");

        // Copies first, then the commit: nothing is loaded half.
        var copies = new List<(Tensor Target, Tensor Value)>();
        try
        {
            foreach (var (targetName, (_, value)) in pending)
                copies.Add((targets[targetName], ToTensor(value)));
            foreach (var (source, meanName, bias) in folds)
            {
                int at = copies.FindIndex(c => ReferenceEquals(c.Target, targets[meanName]));
                Tensor mean = at >= 0 ? copies[at].Value : targets[meanName].detach().cpu().clone();
                var folded = mean - ToTensor(bias);
                if (at >= 0) copies[at] = (copies[at].Target, folded);
                else copies.Add((targets[meanName], folded));
                lines.Add(new("folded", source, meanName, bias.ShapeText, "conv bias folded into the batch norm's running mean (this conv has no bias)"));
            }
            foreach (var (name, t) in targets)
                if (!pending.ContainsKey(name) && !folds.Any(f => f.Target == name))
                    lines.Add(new("missing", null, name, TorchTensor.ShapeString(t.shape), "not in the file (keeps its initialisation)"));
            using (no_grad())
                foreach (var (target, value) in copies) target.copy_(value);
        }
        finally
        {
            foreach (var (_, value) in copies) value.Dispose();
        }
        return new WeightLoadReport(weights.Path, modelName, scheme, lines);
    }

    private static void CheckShape(string path, string source, TorchTensor value, string target, long[] shape, string model)
    {
        if (!value.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{path}: tensor {Printable(source)} has shape {value.ShapeText}, {model}'s {target} has {TorchTensor.ShapeString(shape)}");
    }

    private static string Printable(string s) => RestrictedUnpickler.PrintableName(s);

    private static Tensor ToTensor(TorchTensor t) => t.Floats is not null
        ? tensor(t.Floats, t.Shape, ScalarType.Float32)
        : tensor(t.Integers!, t.Shape, ScalarType.Int64);
}
