using System.Diagnostics;
using MtSnn.Distributed;
using MtSnn.Gpu.Tests.Kernels.Cuda;
using MtSnn.Tests.Distributed;
using MtSnn.Training;
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

    /// <summary>
    /// Two ranks of the real CLI on cuda:0 and cuda:1 (the torchrun contract: RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR,
    /// MASTER_PORT; the ncclUniqueId through the TCP rendezvous) train data-parallel over NCCL: both exit 0 (the
    /// trainer compares every rank's parameters after each epoch and fails unless they are bit-identical), rank 0
    /// alone prints, and its checkpoint equals one process on cuda:0 trained on the global batch, within float32
    /// summation-order tolerance. Skipped with the reason where fewer than 2 GPUs are present.
    /// </summary>
    [TwoGpuFact]
    [Trait("gpus", "2")]   // scripts/gpu/gpu-tests.sh leaves it out (-trait- gpus=2) on a machine with one GPU, where -failSkips would fail it
    public void TwoRanksOnTwoGpus_TrainDataParallelAndEqualOneProcessOnTheGlobalBatch()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mtsnn-nccl2-{Environment.ProcessId}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        int port = DigitsRecipe.FreePortPair();
        string cli = Path.Combine(AppContext.BaseDirectory, "MtSnn.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} not found: run the GPU tests from the bundle (scripts/gpu/bundle.sh), which carries the CLI beside them");
        string dotnet = Environment.ProcessPath ?? "dotnet";   // the test app runs under the bundle's (or the SDK's) dotnet host
        string[] args = [cli, .. DigitsRecipe.Args(8, 12, dir), "--device", "cuda", "--distributed", "nccl"];
        var ranks = new List<(Process P, Task<string> Out, Task<string> Err)>();
        for (int rank = 0; rank < 2; rank++)
        {
            var psi = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args) psi.ArgumentList.Add(a);
            psi.Environment["RANK"] = psi.Environment["LOCAL_RANK"] = rank.ToString();
            psi.Environment["WORLD_SIZE"] = "2";
            psi.Environment["MASTER_ADDR"] = "127.0.0.1";
            psi.Environment["MASTER_PORT"] = port.ToString();
            var p = Process.Start(psi)!;
            ranks.Add((p, p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync()));
        }
        foreach (var (p, _, _) in ranks)
            if (!p.WaitForExit(TimeSpan.FromMinutes(4))) { foreach (var (q, _, _) in ranks) q.Kill(entireProcessTree: true); Assert.Fail("a rank hung (killed)"); }
        for (int rank = 0; rank < 2; rank++)
            Assert.True(ranks[rank].P.ExitCode == 0, $"rank {rank}: exit {ranks[rank].P.ExitCode}\n{ranks[rank].Out.Result}\n{ranks[rank].Err.Result}");
        Assert.Contains("x 2 ranks (nccl ", ranks[0].Out.Result);
        Assert.Equal("", ranks[1].Out.Result.Trim());

        using var one = new Trainer(DigitsRecipe.Config(16, 12, device: "cuda:0"));
        one.Run();
        using var dp = Trainer.Resume(Path.Combine(dir, "last.ckpt"), adjust: c => c with { Device = "cuda:0" });
        DigitsRecipe.AssertSameState(one.Model, dp.Model, "2 ranks");
        Directory.Delete(dir, recursive: true);
    }
}

/// <summary>A fact that needs two CUDA GPUs: skipped with the reason (no CUDA, or how many GPUs there are) otherwise.</summary>
public sealed class TwoGpuFactAttribute : FactAttribute
{
    public TwoGpuFactAttribute([System.Runtime.CompilerServices.CallerFilePath] string? sourceFilePath = null, [System.Runtime.CompilerServices.CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (CudaFactAttribute.Unavailable is { } why) Skip = why;
        else if (cuda.device_count() is var n and < 2) Skip = $"needs 2 CUDA GPUs for 2 NCCL ranks; this machine has {n}";
    }
}
