using System.CommandLine;

namespace MtSnn.Cli.Commands;

/// <summary><c>mtsnn neuron</c>: the neuron playground (filled in with the reference neuron).</summary>
public static class NeuronCommand
{
    public static Command Create()
    {
        var cmd = new Command("neuron", "Run one multi-threshold neuron over an input current sequence and write its trace.");
        return cmd;
    }
}
