using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>
/// The composed reference of the multi-threshold neuron (MT-SNN.md §2), as pure functions on tensors: each step
/// is <c>H = Charge(X, V)</c>, <c>S_1..S_K = Fire(H)</c>, <c>O = sum_k lambda_k S_k</c>, <c>V = Reset(H, S)</c>.
/// Built from plain tensor ops and <see cref="SurrogateStep"/> only; it is the oracle every fused kernel is tested
/// against. Works for any float dtype and any device (constants follow the input's).
/// </summary>
public static partial class ReferenceNeuron
{
    /// <summary>
    /// One time step from input <c>X[t]</c> (<c>[B, ...]</c>) and membrane <c>V[t-1]</c>. <paramref name="vth"/>:
    /// <c>V_th</c> as a scalar tensor (the trainable parameter), or null for the options' constant.
    /// </summary>
    public static NeuronStep Step(Tensor x, Tensor v, NeuronOptions o, Tensor? plifA = null, Tensor? vth = null) =>
        StepResolved(x, v, o.Resolve(), plifA, vth);

    /// <summary><see cref="Step(Tensor, Tensor, NeuronOptions, Tensor?, Tensor?)"/> on options resolved once.</summary>
    internal static NeuronStep StepResolved(Tensor x, Tensor v, ResolvedNeuronOptions r, Tensor? plifA = null, Tensor? vth = null)
    {
        vth ??= VThresholdTensor(r.Options, x);
        var h = Charge(x, v, r.Options, plifA);
        var spikes = FireResolved(h, vth, r);
        var output = Output(spikes, r.LevelWeights);
        var vNext = ResetResolved(h, output, spikes, vth, r);
        return new NeuronStep(output, spikes, h, vNext);
    }

    /// <summary>
    /// T steps over <c>x = X[0..T-1]</c> (<c>[T, B, ...]</c>) from <c>V[-1] = v0</c>: the graded outputs <c>O</c>
    /// (<c>[T, B, ...]</c>, with autograd graph), the detached spike planes (<c>[T, K, B, ...]</c>), the detached
    /// <c>H</c> and <c>V</c> sequences when <paramref name="storeMembrane"/>, and the last membrane (with graph).
    /// </summary>
    public static NeuronTrace MultiStep(Tensor x, Tensor v0, NeuronOptions o, Tensor? plifA = null, Tensor? vth = null, bool storeMembrane = false) =>
        MultiStepResolved(x, v0, o.Resolve(), plifA, vth, storeMembrane);

    /// <summary><see cref="MultiStep(Tensor, Tensor, NeuronOptions, Tensor?, Tensor?, bool)"/> on options resolved once.</summary>
    internal static NeuronTrace MultiStepResolved(Tensor x, Tensor v0, ResolvedNeuronOptions r, Tensor? plifA = null, Tensor? vth = null, bool storeMembrane = false)
    {
        if (x.dim() < 1 || x.shape[0] < 1) throw new ArgumentException($"multi-step input must be [T, B, ...] with T >= 1 (got shape [{string.Join(", ", x.shape)}])");
        using var scope = NewDisposeScope();
        vth ??= VThresholdTensor(r.Options, x);
        int steps = (int)x.shape[0];
        var outputs = new Tensor[steps];
        var spikes = new Tensor[steps];
        var hs = storeMembrane ? new Tensor[steps] : null;
        var vs = storeMembrane ? new Tensor[steps] : null;
        var v = v0;
        for (int t = 0; t < steps; t++)
        {
            var step = StepResolved(x[t], v, r, plifA, vth);
            outputs[t] = step.O;
            spikes[t] = stack(step.Spikes.Select(s => s.detach()));
            if (hs is not null && vs is not null) { hs[t] = step.H.detach(); vs[t] = step.V.detach(); }
            v = step.V;
        }
        var trace = new NeuronTrace(stack(outputs), stack(spikes),
            hs is null ? null : stack(hs), vs is null ? null : stack(vs), v);
        return trace.MoveToOuterDisposeScope();
    }

    /// <summary><c>V_th</c> as a scalar tensor with <paramref name="like"/>'s dtype and device.</summary>
    public static Tensor VThresholdTensor(NeuronOptions o, Tensor like) =>
        tensor(o.VThreshold, dtype: like.dtype, device: like.device);
}

/// <summary>One step of the neuron: output <c>O</c>, spikes <c>S_1..S_K</c>, pre-fire <c>H</c>, membrane <c>V</c> after reset.</summary>
public sealed record NeuronStep(Tensor O, IReadOnlyList<Tensor> Spikes, Tensor H, Tensor V);

/// <summary>
/// A multi-step run: <c>O</c> <c>[T, B, ...]</c> (graded output in units of V_th, with graph), <c>Spikes</c>
/// <c>[T, K, B, ...]</c> (detached 0/1; the fused backend gives them only when asked), <c>H</c> and <c>V</c> <c>[T, B, ...]</c> (detached; null unless stored),
/// <c>VLast</c> = <c>V[T-1]</c> (with graph, the state for the next call).
/// </summary>
public sealed record NeuronTrace(Tensor O, Tensor? Spikes, Tensor? H, Tensor? V, Tensor VLast)
{
    /// <summary>Moves every tensor of the trace to the enclosing dispose scope.</summary>
    public NeuronTrace MoveToOuterDisposeScope()
    {
        O.MoveToOuterDisposeScope();
        Spikes?.MoveToOuterDisposeScope();
        H?.MoveToOuterDisposeScope();
        V?.MoveToOuterDisposeScope();
        VLast.MoveToOuterDisposeScope();
        return this;
    }
}
