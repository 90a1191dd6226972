using static TorchSharp.torch;

namespace MtSnn.Neurons;

public static partial class ReferenceNeuron
{
    /// <summary>
    /// Reset (MT-SNN.md §2): the membrane <c>V[t]</c> after firing, by the options' reset rule. With
    /// <c>DetachReset</c> the spikes in the reset term are constants in backward (SpikingJelly's
    /// <c>detach_reset</c>: <c>H</c> and <c>V_th</c> still carry gradient).
    /// </summary>
    public static Tensor Reset(Tensor h, Tensor output, IReadOnlyList<Tensor> spikes, Tensor vth, NeuronOptions o) =>
        ResetResolved(h, output, spikes, vth, o.Resolve());

    /// <summary><see cref="Reset(Tensor, Tensor, IReadOnlyList{Tensor}, Tensor, NeuronOptions)"/> on options resolved once.</summary>
    internal static Tensor ResetResolved(Tensor h, Tensor output, IReadOnlyList<Tensor> spikes, Tensor vth, ResolvedNeuronOptions r) => r.Reset switch
    {
        ResetMode.Soft => ResetSoft(h, output, vth, r.Options.DetachReset),
        ResetMode.Hard => ResetHard(h, spikes, r.Options.Mode, r.Options.VReset, r.Options.DetachReset),
        _ => throw UnknownOption.Of(r.Reset, "reset"),
    };

    /// <summary>Soft reset: <c>V = H - V_th O</c> (for cascade this is the last residual <c>R_{K+1}</c>).</summary>
    public static Tensor ResetSoft(Tensor h, Tensor output, Tensor vth, bool detachReset) =>
        h - vth * (detachReset ? output.detach() : output);

    /// <summary>
    /// Hard reset: <c>V = H (1 - S_any) + V_reset S_any</c>, i.e. <c>V_reset</c> where any level fired, else <c>H</c>.
    /// </summary>
    public static Tensor ResetHard(Tensor h, IReadOnlyList<Tensor> spikes, FiringMode mode, double vReset, bool detachReset)
    {
        var any = AnySpike(spikes, mode);
        if (detachReset) any = any.detach();
        return h * (1 - any) + any * vReset;
    }
}
