using System.Security.Cryptography;
using System.Text;
using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Distributed;

/// <summary>
/// Data-parallel training over a <see cref="ICollectives"/> group, in the manner of PyTorch's DDP: rank 0's parameters
/// and buffers are broadcast at the start (and after a resume), every rank trains on its <see cref="DataShard"/> of each
/// global batch, and the gradients are averaged over the global batch in flat buckets of about
/// <see cref="BucketBytes"/> (parameters in reverse registration order, as DDP buckets them, since the backward pass
/// produces the last layers' gradients first). The reduction runs after the whole backward pass (TorchSharp 0.107 exposes
/// no per-parameter gradient hook, so it cannot overlap the backward pass as DDP's does).
/// </summary>
public sealed class DataParallel : IDataParallel, IDisposable
{
    /// <summary>DDP's default bucket size, 25 MiB.</summary>
    public const long BucketBytes = 25L * 1024 * 1024;

    private readonly Device _device;
    private GradientBuckets? _buckets;

    /// <summary>A group over <paramref name="collectives"/>, whose tensors live on <paramref name="device"/>.</summary>
    public DataParallel(ICollectives collectives, Device device)
    {
        Collectives = collectives ?? throw new ArgumentNullException(nameof(collectives));
        _device = device;
        Shard = new DataShard(collectives.Rank, collectives.WorldSize).Validate();
    }

    /// <summary>The collective backend.</summary>
    public ICollectives Collectives { get; }
    /// <inheritdoc/>
    public int Rank => Collectives.Rank;
    /// <inheritdoc/>
    public int WorldSize => Collectives.WorldSize;
    /// <inheritdoc/>
    public DataShard Shard { get; }
    /// <summary>Seconds spent in gradient allreduces so far (the bucket copies included), for measuring.</summary>
    public double AllReduceSeconds { get; private set; }
    /// <summary>Bytes allreduced per step (the gradients of every trainable parameter), known after the first step.</summary>
    public long BytesPerStep => _buckets?.Bytes ?? 0;
    /// <summary>Buckets per step (one allreduce each), known after the first step.</summary>
    public int Buckets => _buckets?.Count ?? 0;

    /// <summary>
    /// What one step allreduces for <paramref name="model"/>: its trainable parameters' gradient bytes, their count, and
    /// the number of <see cref="BucketBytes"/> buckets (the same plan the training step uses).
    /// </summary>
    public static (long Bytes, long Parameters, int Buckets) AllReducePlan(SpikingModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var plan = GradientBuckets.Plan([.. model.parameters()], BucketBytes);
        return (plan.Sum(b => b.Sum(p => p.numel() * p.element_size())), plan.Sum(b => b.Sum(p => p.numel())), plan.Count);
    }

    /// <summary>
    /// The hash of what must agree across ranks: the configuration without the per-rank fields (data folder, device,
    /// workers), SHA-256 of its JSON text, first 8 bytes.
    /// </summary>
    public static long ConfigHash(TrainConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var j = config.ToJson();
        foreach (string perRank in new[] { "data", "device", "workers" }) j.Remove(perRank);
        return BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(j.ToJsonString())), 0);
    }

    /// <inheritdoc/>
    public void Synchronize(SpikingModel model, TrainConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (FirstDiffering(ConfigHash(config)) is { } bad)
            throw new RankMismatchException($"rank {bad}'s configuration differs from rank 0's (model, T, levels, seed or another training option): start every rank with the same options");
        using var noGrad = no_grad();
        foreach (var (_, p) in model.named_parameters()) Collectives.Broadcast(p);
        SynchronizeBuffers(model);
    }

    /// <inheritdoc/>
    public void CheckConsistent(SpikingModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var scope = NewDisposeScope())
            foreach (var (_, p) in model.named_parameters())
                hash.AppendData(p.detach().cpu().contiguous().bytes);
        if (FirstDiffering(BitConverter.ToInt64(hash.GetHashAndReset(), 0)) is { } bad)
            throw new InvalidOperationException($"rank {bad}'s parameters are no longer bit-identical to rank 0's after the gradient averaging (a non-deterministic reduction or a rank that skipped a step)");
    }

    /// <summary>The lowest rank whose <paramref name="mine"/> differs from rank 0's, or null when all agree (two collectives).</summary>
    private long? FirstDiffering(long mine)
    {
        using var scope = NewDisposeScope();
        var root = tensor(new[] { mine }, int64).to(_device);
        Collectives.Broadcast(root);
        long theirs = root.cpu().item<long>();
        var first = tensor(new[] { (long)(mine == theirs ? WorldSize : Rank) }, int64).to(_device);
        Collectives.AllReduce(first, ReduceOp.Min);
        long bad = first.cpu().item<long>();
        return bad < WorldSize ? bad : null;
    }

    /// <inheritdoc/>
    public void SynchronizeBuffers(SpikingModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        foreach (var (_, b) in model.named_buffers()) Collectives.Broadcast(b);
    }

    /// <inheritdoc/>
    public void AverageGradients(IReadOnlyList<Parameter> parameters, int localCount, int globalCount)
    {
        if (globalCount <= 0) throw new ArgumentException($"a global batch of {globalCount} samples");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _buckets ??= new GradientBuckets(parameters, BucketBytes);
        _buckets.AllReduceMean(Collectives, (double)localCount / globalCount);
        AllReduceSeconds += clock.Elapsed.TotalSeconds;
    }

    /// <inheritdoc/>
    public void Sum(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        using var scope = NewDisposeScope();
        var t = tensor(values, float64).to(_device);
        Collectives.AllReduce(t);
        t.cpu().data<double>().CopyTo(values);
    }

    /// <inheritdoc/>
    public void SumAcrossRanks(Tensor tensor) => Collectives.AllReduce(tensor);

    /// <summary>Disposes the collectives.</summary>
    public void Dispose()
    {
        _buckets?.Dispose();
        Collectives.Dispose();
    }
}

/// <summary>The ranks were started with different configurations; every rank throws it, so one rank reports it.</summary>
public sealed class RankMismatchException(string message) : ArgumentException(message);
