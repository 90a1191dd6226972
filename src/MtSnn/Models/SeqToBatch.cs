using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// Runs a stateless layer (conv, batch norm, pooling, linear, ...) over a whole sequence at once by folding time
/// into the batch (SpikingJelly's <c>layer.SeqToANNContainer</c>):
/// <c>x [T, B, ...] -> reshape [T*B, ...] -> inner -> reshape [T, B, ...]</c>.
/// For a stateless <c>inner</c> this equals <c>stack_t inner(x[t])</c>; batch norm in training mode takes its
/// statistics over all <c>T*B</c> samples (SpikingJelly's convention, "BN over time and batch").
/// </summary>
public sealed class SeqToBatch : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // the field name is the registered name, as in SpikingJelly
    private readonly nn.Module<Tensor, Tensor> module;
#pragma warning restore IDE1006

    /// <summary>Wraps <paramref name="inner"/>; its parameters appear under <c>module.</c>.</summary>
    public SeqToBatch(nn.Module<Tensor, Tensor> inner, string name = "seq_to_batch") : base(name)
    {
        module = inner ?? throw new ArgumentNullException(nameof(inner));
        RegisterComponents();
    }

    /// <summary>The wrapped layer.</summary>
    public nn.Module<Tensor, Tensor> Inner => module;

    /// <summary><c>y[t] = inner(x[t])</c> for every step, computed as one call on <c>[T*B, ...]</c>.</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 2) throw new ArgumentException($"SeqToBatch needs a sequence [T, B, ...] (got shape [{string.Join(", ", x.shape)}])");
        long steps = x.shape[0], batch = x.shape[1];
        using var scope = NewDisposeScope();
        var y = module.call(x.flatten(0, 1));
        long[] shape = [steps, batch, .. y.shape[1..]];
        return y.reshape(shape).MoveToOuterDisposeScope();
    }
}
