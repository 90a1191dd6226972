using static TorchSharp.torch;

namespace MtSnn.Neurons;

public static partial class ReferenceNeuron
{
    /// <summary>
    /// Charge (MT-SNN.md §2): the pre-fire potential <c>H[t]</c> from the input <c>X[t]</c> and the membrane
    /// <c>V[t-1]</c>, by the options' dynamics. <paramref name="plifA"/> is PLIF's <c>a</c> (required for PLIF).
    /// </summary>
    public static Tensor Charge(Tensor x, Tensor v, NeuronOptions o, Tensor? plifA = null) => o.Dynamics switch
    {
        Dynamics.IF => ChargeIF(x, v),
        Dynamics.LIF => ChargeLIF(x, v, o.Tau, o.VReset, o.DecayInput),
        Dynamics.PLIF => ChargePLIF(x, v, plifA ?? throw new ArgumentException("PLIF dynamics need the trainable a (plifA is null)"), o.VReset, o.DecayInput),
        _ => throw UnknownOption.Of(o.Dynamics, "dynamics"),
    };

    /// <summary>IF: <c>H = V + X</c>.</summary>
    public static Tensor ChargeIF(Tensor x, Tensor v) => v + x;

    /// <summary>
    /// LIF: <c>H = V + (X - (V - V_reset)) / tau</c> (decay_input) or <c>H = V - (V - V_reset) / tau + X</c>.
    /// </summary>
    public static Tensor ChargeLIF(Tensor x, Tensor v, double tau, double vReset, bool decayInput) =>
        decayInput ? v + (x - (v - vReset)) / tau : v - (v - vReset) / tau + x;

    /// <summary>
    /// PLIF: LIF with <c>1/tau = sigmoid(a)</c>: <c>H = V + (X - (V - V_reset)) sigmoid(a)</c> (decay_input) or
    /// <c>H = V - (V - V_reset) sigmoid(a) + X</c>; the gradient reaches <c>a</c>.
    /// </summary>
    public static Tensor ChargePLIF(Tensor x, Tensor v, Tensor a, double vReset, bool decayInput)
    {
        var invTau = a.sigmoid();
        return decayInput ? v + (x - (v - vReset)) * invTau : v - (v - vReset) * invTau + x;
    }
}
