using System.Collections.Immutable;
using MtSnn.Data;
using MtSnn.Neurons;

namespace MtSnn.Models;

/// <summary>
/// What a model is built for: the input image shape <c>[C, H, W]</c>, the number of classes, and the neuron every
/// spiking layer uses (MT-SNN.md §2), overridable per stage (<see cref="StageOverrides"/>). Immutable and validated
/// on construction; a model drives its neurons in multi-step mode whatever <see cref="NeuronOptions.StepMode"/> says.
/// </summary>
/// <param name="Input">One input image, <c>[C, H, W]</c>.</param>
/// <param name="NumClasses">Number of classes (logits per step), &gt;= 1.</param>
/// <param name="Neuron">The neuron of every spiking layer not in an overridden stage.</param>
public sealed record ModelSpec(ImageShape Input, int NumClasses, NeuronOptions Neuron)
{
    /// <summary>Number of classes, &gt;= 1 (checked on construction and on <c>with</c>).</summary>
    public int NumClasses { get => _numClasses; init => _numClasses = CheckClasses(value); }

    /// <summary>The default neuron (validated on construction and on <c>with</c>).</summary>
    public NeuronOptions Neuron { get => _neuron; init => _neuron = CheckNeuron(value); }

    private readonly int _numClasses = CheckClasses(NumClasses);
    private readonly NeuronOptions _neuron = CheckNeuron(Neuron);

    private static int CheckClasses(int value) => value >= 1
        ? value
        : throw new ArgumentOutOfRangeException(nameof(NumClasses), $"number of classes must be >= 1 (got {value})");

    private static NeuronOptions CheckNeuron(NeuronOptions value) => (value ?? throw new ArgumentNullException(nameof(Neuron))).Validate();

    /// <summary>
    /// Neuron options per stage name (e.g. <c>"stem"</c>, <c>"stage1"</c>, <c>"classifier"</c>; each model lists its
    /// stages in <see cref="SpikingModel.Stages"/>). Every value is validated; a model rejects a key it does not have.
    /// </summary>
    public IReadOnlyDictionary<string, NeuronOptions> StageOverrides
    {
        get => _overrides;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (var (stage, options) in value)
            {
                if (options is null) throw new ArgumentException($"stage override '{stage}' has no neuron options (null)");
                options.Validate();
            }
            _overrides = value.ToImmutableDictionary();
        }
    }

    private readonly ImmutableDictionary<string, NeuronOptions> _overrides = ImmutableDictionary<string, NeuronOptions>.Empty;

    /// <summary>The neuron of <paramref name="stage"/>: its override if any, else <see cref="Neuron"/>.</summary>
    public NeuronOptions NeuronFor(string stage) =>
        _overrides.TryGetValue(stage, out var options) ? options : Neuron;
}
