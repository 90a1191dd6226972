using MtSnn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Kernels;

/// <summary>What the forward keeps for backward: nothing but X (recompute H chunk by chunk) or H itself.</summary>
public enum BackwardState
{
    /// <summary>Save X; backward recomputes H and V per chunk in cache (reads X twice, writes no H).</summary>
    Recompute,
    /// <summary>Save H <c>[T, N]</c> from the forward; backward reads it (one more write and read of T N floats).</summary>
    StoreH,
}

/// <summary>The non-tensor arguments of one fused call: the module's options, resolved once.</summary>
internal sealed record FusedCall(ResolvedNeuronOptions Resolved, BackwardState State, bool WithSpikes)
{
    /// <summary>The validated options.</summary>
    public NeuronOptions Options => Resolved.Options;
}

/// <summary>The inputs of both fused autograd functions as TorchSharp passes them, <c>(X, V[-1], a?, V_th?, call)</c>, with X made contiguous.</summary>
internal readonly record struct FusedInputs(Tensor X, Tensor V0, Tensor? PlifA, Tensor? VThreshold, FusedCall Call)
{
    public static FusedInputs From(object[] vars) =>
        new(((Tensor)vars[0]).contiguous(), (Tensor)vars[1], vars[2] as Tensor, vars[3] as Tensor, (FusedCall)vars[4]);
}

/// <summary>
/// The custom autograd function around <see cref="CpuNeuronKernel"/>: inputs <c>(X [T, ...], V[-1], a?, V_th?, call)</c>,
/// outputs <c>(O [T, ...], V_last [...], S?)</c>; backward returns <c>dL/dX</c>, <c>dL/dV[-1]</c>, <c>dL/da</c>, <c>dL/dV_th</c>.
/// </summary>
internal sealed class FusedNeuronFunction : autograd.MultiTensorFunction<FusedNeuronFunction>
{
    public override string Name => "MtSnnFusedNeuron";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, v0Input, plifA, vth, call) = FusedInputs.From(vars);
        var p = Parameters(call.Resolved, plifA, vth);
        int steps = (int)x.shape[0];
        int neurons = NeuronCount(x);
        var v0 = FlatState(v0Input, neurons);
        var o = empty_like(x);
        var stateShape = x.shape[1..];
        var vLast = empty(stateShape, float32);
        var h = call.State == BackwardState.StoreH ? empty_like(x) : null;
        long[] spikeShape = [steps, p.Levels, .. stateShape];
        var spikes = call.WithSpikes ? empty(spikeShape, uint8) : null;
        long total = (long)steps * neurons;
        CpuNeuronKernel.Forward(Span(x, total), Span(v0, neurons), steps, neurons, p, Span(o, total), Span(vLast, neurons),
            h is null ? default : Span(h, total), default,
            spikes is null ? default : spikes.bytes);
        ctx.save_for_backward([h ?? x, v0]);
        ctx.save_data(nameof(Saved), new Saved(call, p, steps, x.shape, v0Input.shape, plifA?.shape, vth?.shape));
        if (spikes is not null) ctx.mark_non_differentiable([spikes]);
        // TorchSharp materialises a missing output gradient from a per-output tensor it registers in the caller's dispose
        // scope, which may be gone by the time backward runs (a crash inside the native callback). Missing gradients
        // arrive as invalid tensors instead and are read as zeros below.
        ctx.set_materialize_grads(false);
        return spikes is null ? [o, vLast] : [o, vLast, spikes];
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grads)
    {
        var saved = ctx.get_saved_variables();
        var (call, p, steps, xShape, v0Shape, aShape, vthShape) = (Saved)ctx.get_data(nameof(Saved));
        var (state, v0) = (saved[0], saved[1]);
        int neurons = (int)v0.numel();
        long total = (long)steps * neurons;
        var gO = Defined(grads, 0) ? grads[0].to_type(float32).contiguous() : zeros_like(state);
        var gVLast = Defined(grads, 1) ? grads[1].to_type(float32).contiguous() : zeros(neurons, float32);
        var gX = empty_like(state);
        var gV0 = empty(neurons, float32);
        bool stored = call.State == BackwardState.StoreH;
        var g = CpuNeuronKernel.Backward(stored ? default : Span(state, total), stored ? Span(state, total) : default, Span(v0, neurons),
            Span(gO, total), Span(gVLast, neurons), steps, neurons, p, Span(gX, total), Span(gV0, neurons));
        var gV0Out = v0Shape.Aggregate(1L, (a, b) => a * b) == neurons ? gV0.reshape(v0Shape) : gV0.sum().reshape(v0Shape);
        return [gX.reshape(xShape), gV0Out,
            aShape is not null ? tensor((float)g.PlifA).reshape(aShape) : null!,
            vthShape is not null ? tensor((float)g.VThreshold).reshape(vthShape) : null!,
            null!];
    }

    /// <summary>
    /// What forward keeps for backward besides the saved tensors, as one context entry: the call, the resolved kernel
    /// parameters, T, the shapes of X and V[-1], and the shapes of a and V_th (null: not given, no gradient).
    /// </summary>
    private sealed record Saved(FusedCall Call, KernelParameters Parameters, int Steps, long[] XShape, long[] V0Shape, long[]? AShape, long[]? VthShape);

    private static bool Defined(List<Tensor> grads, int i) => i < grads.Count && grads[i] is { IsInvalid: false };

    /// <summary>Resolves the kernel parameters, reading the scalar tensors' current values.</summary>
    internal static KernelParameters Parameters(ResolvedNeuronOptions options, Tensor? plifA, Tensor? vth) =>
        KernelParameters.FromResolved(options, plifA is null ? null : plifA.to_type(float64).item<double>(), vth is null ? null : vth.to_type(float64).item<double>());

    private static int NeuronCount(Tensor x) => checked((int)(x.numel() / Math.Max(1, x.shape[0])));

    private static Tensor FlatState(Tensor v0, int neurons) =>
        (v0.numel() == 1 ? v0.reshape(1).expand(neurons) : v0.reshape(neurons)).to_type(float32).contiguous();

    /// <summary>The memory of a contiguous CPU float32 tensor (a view, not a copy).</summary>
    private static Span<float> Span(Tensor t, long count)
    {
        var span = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.bytes);
        if (span.Length != count) throw new InvalidOperationException($"tensor has {span.Length} floats, expected {count}");
        return span;
    }
}
