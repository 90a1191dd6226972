using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// The in-place sum of a tensor over every rank of a data-parallel group (an allreduce), as synchronised batch norm
/// needs it. Every rank calls it in the same order with a tensor of the same shape.
/// </summary>
public interface ICrossRankSum
{
    /// <summary>Number of ranks.</summary>
    int WorldSize { get; }
    /// <summary>Replaces <paramref name="tensor"/> (contiguous) by its sum over all ranks.</summary>
    void SumAcrossRanks(Tensor tensor);
}

/// <summary>
/// The batch norm of every conv layer of the zoo (<see cref="ConvBn"/>): <c>BatchNorm2d</c>'s parameters, buffers and
/// state-dict names (<c>weight, bias, running_mean, running_var, num_batches_tracked</c>), and exactly TorchSharp's
/// <c>batch_norm</c> unless a group is attached (<see cref="Attach"/>, <c>mtsnn train --sync-bn</c> on more than one
/// rank). With a group, training takes its statistics over the global batch, as PyTorch's <c>SyncBatchNorm</c> does:
/// every rank allreduces its per-channel sum, sum of squares and element count (float64), normalises with the global
/// mean and biased variance, and updates the running statistics with them (unbiased variance), so every rank holds the
/// same buffers. The backward pass is the matching one: the gradient reaching the global sums is itself allreduced
/// (<see cref="CrossRankSumFunction"/>), which carries every rank's <c>Σ dy</c> and <c>Σ dy·x̂</c> terms to the
/// others. Evaluation uses the running statistics, as batch norm does.
/// </summary>
public sealed class SyncBatchNorm2d : BatchNorm
{
    /// <summary>A batch norm over <paramref name="features"/> channels of <c>[N, C, H, W]</c> inputs (BatchNorm2d's defaults: eps 1e-5, momentum 0.1).</summary>
    public SyncBatchNorm2d(long features, double eps = 1e-5, double momentum = 0.1)
        : base(features, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
    {
    }

    /// <summary>The group whose batches the statistics are taken over while training, or null (plain batch norm).</summary>
    public ICrossRankSum? Group { get; set; }

    /// <summary>Attaches <paramref name="group"/> to every <see cref="SyncBatchNorm2d"/> of <paramref name="model"/>; returns how many.</summary>
    public static int Attach(nn.Module model, ICrossRankSum? group)
    {
        ArgumentNullException.ThrowIfNull(model);
        int n = 0;
        foreach (var (_, m) in model.named_modules())
            if (m is SyncBatchNorm2d bn) { bn.Group = group; n++; }
        return n;
    }

    /// <inheritdoc/>
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4) throw new ArgumentException($"batch norm 2d expects a 4-D input [N, C, H, W] (got {input.ndim}-D)");
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (Group is null || !training) return base.forward(input);
        ValidateInputDimensions(input);
        using var scope = NewDisposeScope();
        long channels = input.shape[1];
        long[] dims = [0, 2, 3];
        // local [Σx (C), Σx² (C), n] in float64, summed over the ranks by an allreduce whose backward is one as well
        var x64 = input.to_type(ScalarType.Float64);
        double localCount = input.numel() / channels;
        var local = cat([x64.sum(dims), x64.square().sum(dims), tensor(new[] { localCount }, ScalarType.Float64).to(input.device)]);
        var global = CrossRankSumFunction.apply(local, Group, localCount);
        var count = global.narrow(0, 2 * channels, 1);
        var mean = global.narrow(0, 0, channels) / count;
        var variance = (global.narrow(0, channels, channels) / count - mean.square()).clamp_min(0);
        var invStd = (variance + eps).rsqrt();
        var scale = invStd.to_type(input.dtype);
        var y = (input - mean.to_type(input.dtype).reshape(1, -1, 1, 1)) * scale.reshape(1, -1, 1, 1);
        if (weight is not null) y = y * weight.reshape(1, -1, 1, 1);
        if (bias is not null) y = y + bias.reshape(1, -1, 1, 1);
        UpdateRunningStatistics(mean.detach(), variance.detach(), count.item<double>());
        return y.MoveToOuterDisposeScope();
    }

    private void UpdateRunningStatistics(Tensor mean, Tensor biasedVariance, double count)
    {
        if (running_mean is null || running_var is null) return;
        using var noGrad = no_grad();
        num_batches_tracked?.add_(1);
        double m = momentum ?? 1.0 / (num_batches_tracked?.item<long>() ?? 1);   // null momentum: cumulative average, as PyTorch
        var unbiased = count > 1 ? biasedVariance * (count / (count - 1)) : biasedVariance;
        running_mean.mul_(1 - m).add_(mean.to_type(running_mean.dtype) * m);
        running_var.mul_(1 - m).add_(unbiased.to_type(running_var.dtype) * m);
    }
}

/// <summary>
/// The differentiable allreduce-sum of synchronised batch norm's local statistics. Forward: the sum over ranks. Backward:
/// the loss the group minimises is <c>Σ_r w_r L_r</c> with <c>w_r = n_r / N</c> (each rank's mean loss weighted by its
/// share of the global batch, which is what the trainer's gradient averaging computes), so the gradient of the global
/// sums is <c>Σ_r w_r g_r</c>, and each rank, whose gradients the averaging will weight by <c>w_r</c>, returns
/// <c>Σ_s w_s g_s / w_r</c> (an allreduce). With equal shards this is <c>Σ_s g_s</c>, PyTorch's rule.
/// </summary>
internal sealed class CrossRankSumFunction : autograd.SingleTensorFunction<CrossRankSumFunction>
{
    public override string Name => "MtSnnCrossRankSum";

    /// <summary><c>(local [K] float64, group, localCount)</c> → the sum over ranks; the last element is the element count.</summary>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var local = (Tensor)vars[0];
        var group = (ICrossRankSum)vars[1];
        double localCount = (double)vars[2];
        var sum = local.detach().clone().contiguous();
        group.SumAcrossRanks(sum);
        double globalCount = sum[sum.shape[0] - 1].item<double>();
        ctx.save_data("group", group);
        ctx.save_data("share", globalCount > 0 ? localCount / globalCount : 0.0);
        ctx.save_data("length", sum.shape[0]);
        ctx.set_materialize_grads(false);   // as FusedNeuronFunction: a missing gradient arrives invalid and is read as zeros
        return sum;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
    {
        var group = (ICrossRankSum)ctx.get_data("group");
        double share = (double)ctx.get_data("share");
        var weighted = grad is { IsInvalid: false }
            ? (grad.to_type(ScalarType.Float64) * share).contiguous()
            : zeros([(long)ctx.get_data("length")], ScalarType.Float64);
        group.SumAcrossRanks(weighted);   // every rank calls it, also one whose share is 0
        return [share > 0 ? weighted / share : zeros_like(weighted), null!, null!];
    }
}
