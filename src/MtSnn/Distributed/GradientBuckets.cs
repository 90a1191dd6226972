using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Distributed;

/// <summary>
/// The trainable parameters split into flat buckets of at most about <c>bucketBytes</c> each (a parameter larger than
/// that has a bucket of its own), in reverse registration order, as DDP groups them. Per step each bucket's gradients
/// are copied into one contiguous buffer scaled by <c>n_r / G</c>, summed over ranks in one allreduce, and copied back:
/// <c>g ← Σ_r (n_r / G)·g_r</c>. A parameter without a gradient (unused in this step, or this rank had no samples)
/// contributes zeros and receives the average.
/// </summary>
internal sealed class GradientBuckets : IDisposable
{
    private readonly List<(Parameter[] Members, Tensor Flat)> _buckets = [];

    public GradientBuckets(IReadOnlyList<Parameter> parameters, long bucketBytes)
    {
        foreach (var members in Plan(parameters, bucketBytes))
        {
            var flat = zeros([members.Sum(p => p.numel())], members[0].dtype, members[0].device).DetachFromDisposeScope();
            _buckets.Add((members, flat));
            Bytes += members.Sum(p => p.numel() * p.element_size());
        }
    }

    /// <summary>The buckets' members, without allocating them (for <see cref="DataParallel.AllReducePlan"/>).</summary>
    public static List<Parameter[]> Plan(IReadOnlyList<Parameter> parameters, long bucketBytes)
    {
        var plan = new List<Parameter[]>();
        var current = new List<Parameter>();
        long bytes = 0;
        foreach (var p in parameters.Where(p => p.requires_grad).Reverse())
        {
            long size = p.numel() * p.element_size();
            if (current.Count > 0 && (bytes + size > bucketBytes || p.dtype != current[0].dtype || p.device_type != current[0].device_type || p.device_index != current[0].device_index)) Close();   // Device is a class: compare its fields
            current.Add(p);
            bytes += size;
        }
        if (current.Count > 0) Close();
        return plan;

        void Close()
        {
            plan.Add([.. current]);
            current.Clear();
            bytes = 0;
        }
    }

    /// <summary>Gradient bytes allreduced per step.</summary>
    public long Bytes { get; }

    /// <summary>Number of buckets.</summary>
    public int Count => _buckets.Count;

    public void AllReduceMean(ICollectives collectives, double scale)
    {
        using var noGrad = no_grad();
        foreach (var (members, flat) in _buckets)
        {
            using var scope = NewDisposeScope();
            long offset = 0;
            foreach (var p in members)
            {
                long n = p.numel();
                var slot = flat.narrow(0, offset, n);
                if (p.grad is { } g) slot.copy_(g.reshape(n)).mul_(scale);
                else slot.zero_();
                offset += n;
            }
            collectives.AllReduce(flat);
            offset = 0;
            foreach (var p in members)
            {
                long n = p.numel();
                var slot = flat.narrow(0, offset, n).view(p.shape);
                if (p.grad is { } g) g.copy_(slot);
                else p.grad = slot.clone().DetachFromDisposeScope();
                offset += n;
            }
        }
    }

    public void Dispose()
    {
        foreach (var (_, flat) in _buckets) flat.Dispose();
        _buckets.Clear();
    }
}
