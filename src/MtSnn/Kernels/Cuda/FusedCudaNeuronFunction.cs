using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Kernels.Cuda;

/// <summary>
/// The custom autograd function around <see cref="CudaNeuronKernel"/>, the CUDA twin of the CPU's fused function:
/// inputs <c>(X [T, ...], V[-1], a?, V_th?, call)</c>, outputs <c>(O [T, ...], V_last [...], S?)</c>; backward returns
/// <c>dL/dX</c>, <c>dL/dV[-1]</c>, <c>dL/da = dL/dbeta beta (1 - beta)</c> with <c>beta = sigmoid(a)</c>, and
/// <c>dL/dV_th</c>. What forward keeps for the backward is the call's <see cref="FusedCall.State"/>:
/// <see cref="BackwardState.StoreH"/> keeps H (float32, written by the forward kernel); <see cref="BackwardState.Recompute"/>
/// keeps X and the backward kernel recomputes H in registers (T baked into the kernel, <c>T &lt;= </c>
/// <see cref="CudaKernelSpec.MaxRecomputeSteps"/>; a longer sequence keeps H). <see cref="FusedNeuron.MultiStep"/> passes
/// <see cref="CudaBackwardPolicy.Default"/> (<c>MTSNN_CUDA_BACKWARD</c>; store-H until a GPU measurement sets it) when
/// the caller names no state. X, O, V and their gradients stay in X's dtype (float32, float16 or bfloat16); the kernels
/// compute in float32. a and V_th are passed to the kernels as a device tensor, so no value is read back to the host
/// (no synchronisation).
/// </summary>
internal sealed class FusedCudaNeuronFunction : autograd.MultiTensorFunction<FusedCudaNeuronFunction>
{
    public override string Name => "MtSnnFusedCudaNeuron";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, v0Input, plifA, vth, call) = FusedInputs.From(vars);
        int steps = (int)x.shape[0];
        var spec = new CudaKernelSpec(call.Resolved, x.dtype, runtimeVThreshold: vth is not null, runtimePlifA: plifA is not null,
            recomputeSteps: CudaBackwardPolicy.RecomputeStepsFor(call.State, steps));
        long neurons = x.shape[0] == 0 ? 0 : x.numel() / x.shape[0];
        var v0 = (v0Input.numel() == 1 ? v0Input.reshape(1).expand(neurons) : v0Input.reshape(neurons)).to(x.dtype, x.device).contiguous();
        var parameters = plifA is null && vth is null ? null : cat([Scalar(plifA, x), Scalar(vth, x)]);
        var stateShape = x.shape[1..];
        var o = empty_like(x);
        var vLast = empty(stateShape, x.dtype, x.device);
        var h = spec.Recomputes ? null : empty(x.shape, float32, x.device);
        long[] spikeShape = [steps, spec.Options.Levels, .. stateShape];
        var spikes = call.WithSpikes ? empty(spikeShape, uint8, x.device) : null;
        if (steps == 0) vLast.copy_(v0.reshape(stateShape));
        CudaNeuronKernel.Forward(spec, x, v0, o, vLast, h, spikes, parameters, steps, neurons);
        var saved = h ?? x;   // what the backward kernel reads: H, or X to recompute H from
        ctx.save_for_backward(parameters is null ? [saved, v0] : [saved, v0, parameters]);
        ctx.save_data(nameof(Saved), new Saved(spec, steps, neurons, v0Input.shape, v0Input.dtype,
            plifA is null ? null : new ScalarInput(plifA.shape, plifA.dtype, plifA.device),
            vth is null ? null : new ScalarInput(vth.shape, vth.dtype, vth.device)));
        if (spikes is not null) ctx.mark_non_differentiable([spikes]);
        // As in the CPU function: missing output gradients arrive as invalid tensors and are read as zeros.
        ctx.set_materialize_grads(false);
        return spikes is null ? [o, vLast] : [o, vLast, spikes];
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grads)
    {
        var saved = ctx.get_saved_variables();
        var (spec, steps, neurons, v0Shape, v0Dtype, a, th) = (Saved)ctx.get_data(nameof(Saved));
        var (state, v0) = (saved[0], saved[1]);   // H (store-H) or X (recompute), [T, ...]
        var parameters = saved.Count > 2 ? saved[2] : null;
        var device = state.device;
        var gO = Defined(grads, 0) ? grads[0].to(spec.Storage, device).contiguous() : null;
        var gVLast = Defined(grads, 1) ? grads[1].to(spec.Storage, device).reshape(neurons).contiguous() : null;
        var gX = empty(state.shape, spec.Storage, device);
        var gV0 = steps == 0 ? (gVLast ?? zeros(neurons, spec.Storage, device)).clone() : empty(neurons, spec.Storage, device);
        var acc = a is null && th is null ? null : zeros(2, float32, device);
        if (steps > 0) CudaNeuronKernel.Backward(spec, state, v0, gO, gVLast, gX, gV0, acc, parameters, steps, neurons);
        long v0Count = v0Shape.Aggregate(1L, (p, q) => p * q);
        var gV0Out = (v0Count == neurons ? gV0.reshape(v0Shape) : gV0.to_type(float32).sum().reshape(v0Shape)).to_type(v0Dtype);
        Tensor? gA = null, gTh = null;
        if (a is { } ai && acc is not null && parameters is not null)
        {
            var beta = parameters[0].sigmoid();
            gA = (acc[0] * beta * (1 - beta)).reshape(ai.Shape).to(ai.Dtype, ai.Device);
        }
        if (th is { } ti && acc is not null) gTh = acc[1].reshape(ti.Shape).to(ti.Dtype, ti.Device);
        return [gX.reshape(state.shape), gV0Out, gA!, gTh!, null!];
    }

    /// <summary>Shape, dtype and device of a one-element input (a or V_th), to shape its gradient.</summary>
    private sealed record ScalarInput(long[] Shape, ScalarType Dtype, Device Device);

    /// <summary>
    /// What forward keeps for backward besides the saved tensors, as one context entry: the kernel spec, T, the neuron
    /// count, V[-1]'s shape and dtype, and a's and V_th's (null: not given, no gradient).
    /// </summary>
    private sealed record Saved(CudaKernelSpec Spec, int Steps, long Neurons, long[] V0Shape, ScalarType V0Dtype, ScalarInput? A, ScalarInput? VThreshold);

    private static bool Defined(List<Tensor> grads, int i) => i < grads.Count && grads[i] is { IsInvalid: false };

    /// <summary>A one-element tensor as float32 <c>[1]</c> on x's device (0 when absent), detached.</summary>
    private static Tensor Scalar(Tensor? t, Tensor x) =>
        t is null ? zeros(1, float32, x.device) : t.detach().reshape(1).to(float32, x.device);
}
