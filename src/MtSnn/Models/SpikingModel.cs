using MtSnn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// A spiking classifier over time: <c>x [T, B, C, H, W]</c> (already encoded: the real image repeated T times for
/// direct encoding, or Poisson spikes) gives per-step logits <c>[T, B, NumClasses]</c>; the prediction is usually
/// their mean over T. Stateless layers run through <see cref="SeqToBatch"/>, neurons
/// (<see cref="MultiThresholdNode"/>) in multi-step mode on <c>[T, B, ...]</c>; every neuron of stage <c>s</c>
/// follows <c>Spec.NeuronFor(s)</c>. The last layer is a plain linear classifier, or (models with stage <see cref="OutputStage"/>) spiking neurons and a voting layer.
/// Call <see cref="SpikingFunctional.ResetNet"/> between independent batches.
/// </summary>
public abstract class SpikingModel : nn.Module<Tensor, Tensor>
{
    private readonly string[] _stages;
    private IReadOnlyList<(string Name, MultiThresholdNode Node)>? _spikingLayers;

    /// <summary>
    /// Checks <paramref name="spec"/> against this model: every stage override must name one of
    /// <paramref name="stages"/> (throws <see cref="ArgumentException"/> otherwise).
    /// </summary>
    protected SpikingModel(string name, ModelSpec spec, IReadOnlyList<string> stages) : base(name)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _stages = [.. stages];
        foreach (var stage in spec.StageOverrides.Keys)
            if (!_stages.Contains(stage))
                throw new ArgumentException($"model '{name}' has no stage '{stage}' to override (stages: {string.Join(", ", _stages)})");
        Spec = spec;
    }

    /// <summary>What the model was built for.</summary>
    public ModelSpec Spec { get; }

    /// <summary>
    /// The stage name of a spiking output layer (the neurons whose rates are the prediction, e.g. before a voting
    /// layer); only models that end in spiking neurons have it.
    /// </summary>
    public const string OutputStage = "output";

    /// <summary>The stage names whose neurons <see cref="ModelSpec.StageOverrides"/> may override, in forward order.</summary>
    public IReadOnlyList<string> Stages => _stages;

    /// <summary>
    /// Every neuron layer in forward order with its module path (e.g. <c>features.2</c>, <c>layer1.0.sn1</c>);
    /// names are unique and stable across builds.
    /// </summary>
    public IReadOnlyList<(string Name, MultiThresholdNode Node)> SpikingLayers => _spikingLayers ??= [.. NodesDepthFirst(this, "")];

    /// <summary>Logits per step: <c>x [T, B, C, H, W]</c> -&gt; <c>[T, B, NumClasses]</c>. Throws on a wrong input shape.</summary>
    public sealed override Tensor forward(Tensor x)
    {
        var input = Spec.Input;
        if (x.dim() != 5 || x.shape[2] != input.Channels || x.shape[3] != input.Height || x.shape[4] != input.Width)
            throw new ArgumentException($"model '{GetName()}' expects input [T, B, {input.Channels}, {input.Height}, {input.Width}] (got [{string.Join(", ", x.shape)}])");
        using var scope = NewDisposeScope();
        return Forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>The model's computation on a checked input <c>[T, B, C, H, W]</c>.</summary>
    protected abstract Tensor Forward(Tensor x);

    // Depth-first in registration order (named_modules() lists a module's direct children before their descendants).
    private static IEnumerable<(string Name, MultiThresholdNode Node)> NodesDepthFirst(nn.Module module, string prefix)
    {
        foreach (var (name, child) in module.named_children())
        {
            string path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (child is MultiThresholdNode node) yield return (path, node);
            foreach (var nested in NodesDepthFirst(child, path)) yield return nested;
        }
    }

    /// <summary>A new neuron layer of <paramref name="stage"/> (options <c>Spec.NeuronFor(stage)</c>, run multi-step).</summary>
    protected MultiThresholdNode Neuron(string stage)
    {
        if (!_stages.Contains(stage)) throw new InvalidOperationException($"model '{GetName()}' builds a neuron in undeclared stage '{stage}' (stages: {string.Join(", ", _stages)})");
        var options = Spec.NeuronFor(stage);
        if (options.StepMode != StepMode.Multi) options = options with { StepMode = StepMode.Multi };
        return new MultiThresholdNode(options, "sn");
    }
}
