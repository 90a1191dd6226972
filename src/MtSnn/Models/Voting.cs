using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// SpikingJelly's <c>VotingLayer</c>: the output neurons come in groups of <see cref="Group"/> per class and a class's
/// score is the mean of its group, <c>x [N, classes * group] -&gt; [N, classes]</c>. Stateless and parameter free; the
/// exporter writes it as a fixed linear layer of weights <c>1 / group</c>.
/// </summary>
public sealed class Voting : nn.Module<Tensor, Tensor>
{
    /// <summary>A layer that averages groups of <paramref name="group"/> neurons into <paramref name="classes"/> scores.</summary>
    public Voting(int classes, int group, string name = "voting") : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(group, 1);
        Classes = classes;
        Group = group;
    }

    /// <summary>Number of scores out.</summary>
    public int Classes { get; }

    /// <summary>Neurons per class.</summary>
    public int Group { get; }

    /// <summary><c>[N, classes * group] -&gt; [N, classes]</c>, the mean of each class's group.</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 2 || x.shape[1] != (long)Classes * Group)
            throw new ArgumentException($"voting layer expects [N, {(long)Classes * Group}] (got [{string.Join(", ", x.shape)}])");
        return x.view(x.shape[0], Classes, Group).mean([2]);
    }
}
