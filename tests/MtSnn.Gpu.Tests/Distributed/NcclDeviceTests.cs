using MtSnn.Distributed;
using MtSnn.Gpu.Tests.Kernels.Cuda;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Gpu.Tests.Distributed;

/// <summary>
/// NCCL on a real GPU, world size 1: allreduce (sum, max) and broadcast on device memory give the host result, on
/// libtorch's stream (the tensor is produced by a libtorch kernel just before and read by one just after, with no
/// synchronisation in between). Skipped with the reason where CUDA is unavailable; fails where NCCL is not found.
/// </summary>
public class NcclDeviceTests
{
    private static readonly Device Gpu = new(DeviceType.CUDA, 0);

    [CudaFact]
    public void WorldOfOne_AllReduceAndBroadcastOnDeviceMemoryEqualTheHostResult()
    {
        using var nccl = NcclCollectives.Create(new LaunchEnvironment(), Gpu);
        Assert.Equal((0, 1), (nccl.Rank, nccl.WorldSize));
        using var scope = NewDisposeScope();
        var host = arange(0, 1 << 20, float32).mul(0.5f);
        var onGpu = host.to(Gpu).mul(3f);        // a libtorch kernel writes it
        nccl.AllReduce(onGpu);
        var after = onGpu.add(1f).cpu();          // a libtorch kernel reads it
        Assert.True(after.eq(host.mul(3f).add(1f)).all().item<bool>(), "allreduce(sum) of one rank changed the values");
        var longs = tensor(new long[] { 5, -7, 1L << 40 }, int64).to(Gpu);
        nccl.AllReduce(longs, ReduceOp.Max);
        Assert.Equal([5L, -7L, 1L << 40], longs.cpu().data<long>().ToArray());
        var d = tensor(new[] { 1.25, -3.5 }, float64).to(Gpu);
        nccl.Broadcast(d);
        Assert.Equal([1.25, -3.5], d.cpu().data<double>().ToArray());
        nccl.Barrier();
    }
}
