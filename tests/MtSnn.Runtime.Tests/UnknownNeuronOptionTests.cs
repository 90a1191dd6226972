using MtSnn.Neurons;
using MtSnn.Runtime.Execution;
using MtSnn.Runtime.Format;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>
/// A dynamics, firing mode or reset value the engine has no rule for is refused with the value named: by the loader (a
/// model file spelling it) and by the neuron stage itself (so it can never run as another value's rule).
/// </summary>
public sealed class UnknownNeuronOptionTests
{
    public static TheoryData<string> Concepts() => ["firing mode", "dynamics", "reset"];

    private static readonly NeuronSpec Base = NetBuilder.Neuron("pow2", FiringMode.Cascade, 2, Dynamics.LIF);

    private static NeuronSpec Fake(string concept) => concept switch
    {
        "firing mode" => Base with { Mode = (FiringMode)99 },
        "dynamics" => Base with { Dynamics = (Dynamics)99 },
        "reset" => Base with { Reset = (ResetMode)99 },
        _ => throw new ArgumentException(concept),
    };

    [Theory]
    [MemberData(nameof(Concepts))]
    public void The_loader_refuses_a_model_that_spells_it(string concept)
    {
        var b = new NetBuilder(new Shape3(1, 4, 4), 2, 3);
        b.Conv(2, 3); b.Neuron(Fake(concept)); b.Flatten(); b.Linear(3);
        var (graph, tensors) = b.Build();
        var e = Assert.ThrowsAny<Exception>(() => MtSnnModel.Load(MtSnnModelWriter.ToBytes(graph, tensors)));
        Assert.Contains("'99'", e.Message);
    }

    [Theory]
    [MemberData(nameof(Concepts))]
    public void The_neuron_stage_refuses_it(string concept)
    {
        var n = Fake(concept);
        var e = Assert.Throws<ArgumentException>(() => new NeuronStage<float, FloatArith>
        {
            Layer = 0, InSlot = 0, OutSlot = 0, StateIndex = 0,
            Dynamics = n.Dynamics, Mode = n.Mode, ResetRule = n.Reset, DecayInput = n.DecayInput,
            Theta = [1f, 0.5f], Sub = [1f, 0.5f], SubByCount = [0f, 0.5f, 1.5f], VReset = 0f, VInit = 0f,
            LeakIsShift = true, LeakShift = 1, LeakMultiplier = 0.5f,
        });
        // the one message of every backend for a value without a rule (MtSnn.Neurons.UnknownOption): the enum's names
        string allowed = concept switch { "firing mode" => "Single, Parallel, Cascade", "dynamics" => "IF, LIF, PLIF", _ => "Soft, Hard" };
        Assert.Equal($"unknown {concept} 99 (allowed: {allowed})", e.Message);
    }
}
