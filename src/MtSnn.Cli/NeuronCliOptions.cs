using System.CommandLine;
using MtSnn.Neurons;
using MtSnn.Training;

namespace MtSnn.Cli;

/// <summary>
/// The neuron options as typed on the command line, shared by every command that builds neurons
/// (<c>neuron</c>, <c>train</c>, <c>compare</c>), so they are spelled the same everywhere: one option per field of
/// <see cref="ConfigFields.Neuron"/> (names, help, defaults and allowed names come from there).
/// </summary>
public sealed class NeuronCliOptions
{
    /// <summary>The options, in <see cref="ConfigFields.Neuron"/>'s order.</summary>
    public IReadOnlyList<FieldOption> Options { get; } = [.. ConfigFields.Neuron.Select(FieldOption.Create)];

    /// <summary>Adds every option to <paramref name="cmd"/>.</summary>
    public void AddTo(Command cmd)
    {
        foreach (var o in Options) cmd.Options.Add(o.Option);
    }

    /// <summary>Builds and validates the neuron options; throws <see cref="ArgumentException"/> with one line on bad values.</summary>
    public NeuronOptions Build(ParseResult p) => ConfigFields.BuildNeuron(FieldOption.GivenValues(p, Options));
}
