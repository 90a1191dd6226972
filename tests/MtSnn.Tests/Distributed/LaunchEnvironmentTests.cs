using MtSnn.Data;
using MtSnn.Distributed;
using Xunit;

namespace MtSnn.Tests.Distributed;

/// <summary>The launch contract read from the variables of mpirun, torchrun and srun, and the epoch shards.</summary>
public sealed class LaunchEnvironmentTests
{
    private static LaunchEnvironment Parse(params (string Key, string Value)[] vars)
    {
        var d = vars.ToDictionary(v => v.Key, v => v.Value);
        return LaunchEnvironment.Parse(k => d.TryGetValue(k, out var v) ? v : null);
    }

    [Fact]
    public void Torchrun_RankWorldLocalAndMaster()
    {
        var e = Parse(("RANK", "3"), ("WORLD_SIZE", "8"), ("LOCAL_RANK", "1"), ("MASTER_ADDR", "node0"), ("MASTER_PORT", "29500"));
        Assert.Equal(new LaunchEnvironment { Launcher = Launcher.Torchrun, Rank = 3, WorldSize = 8, LocalRank = 1, MasterAddress = "node0", MasterPort = 29500 }, e);
    }

    [Fact]
    public void Rendezvous_NextPortUnderTorchrun_MasterPortOtherwise()
    {
        // torchrun's agent listens on MASTER_PORT itself (its TCPStore), so mtsnn's bootstrap takes the next one
        Assert.Equal(29501, Parse(("RANK", "0"), ("WORLD_SIZE", "2"), ("MASTER_ADDR", "h"), ("MASTER_PORT", "29500")).RendezvousPort);
        Assert.Equal(29500, Parse(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2"), ("MASTER_ADDR", "h"), ("MASTER_PORT", "29500")).RendezvousPort);
        Assert.Null(Parse(("RANK", "0"), ("WORLD_SIZE", "2")).RendezvousPort);
    }

    [Fact]
    public void Pmi_FromPmixOrPmiRank()
    {
        Assert.True(Parse(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2"), ("PMIX_RANK", "0")).Pmi);
        Assert.True(Parse(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2"), ("PMI_RANK", "0")).Pmi);
        Assert.False(Parse(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2")).Pmi);
    }

    [Fact]
    public void SrunWithoutPmiOrMaster_OneLineNamingTheVariables()
    {
        var env = Parse(("SLURM_PROCID", "1"), ("SLURM_NTASKS", "2"), ("SLURM_LOCALID", "1"));
        var e = Assert.Throws<NativeCollectiveException>(() => DistributedStart.Start(DistributedMode.Mpi, new MtSnn.Training.TrainConfig(), env));
        Assert.Contains("MASTER_ADDR and MASTER_PORT", e.Message);
        Assert.Contains("srun --mpi=pmix", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Slurm_ProcIdTasksLocalId()
    {
        var e = Parse(("SLURM_PROCID", "5"), ("SLURM_NTASKS", "16"), ("SLURM_LOCALID", "1"));
        Assert.Equal((Launcher.Slurm, 5, 16, 1), (e.Launcher, e.Rank, e.WorldSize, e.LocalRank));
    }

    [Fact]
    public void Mpirun_WinsOverSlurmInsideAnAllocation()
    {
        var e = Parse(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "1"), ("OMPI_COMM_WORLD_RANK", "2"), ("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_LOCAL_RANK", "0"));
        Assert.Equal((Launcher.Mpirun, 2, 4, 0), (e.Launcher, e.Rank, e.WorldSize, e.LocalRank));
    }

    [Fact]
    public void NoVariables_SingleProcess()
    {
        var e = Parse();
        Assert.Equal((Launcher.None, 0, 1), (e.Launcher, e.Rank, e.WorldSize));
    }

    [Theory]
    [InlineData("RANK", "x1", "WORLD_SIZE", "2", "RANK must be an integer")]
    [InlineData("RANK", "2", "WORLD_SIZE", "2", "RANK=2 is not below WORLD_SIZE=2")]
    [InlineData("RANK", "0", "MASTER_PORT", "70000", "MASTER_PORT must be an integer in 1..65535")]
    [InlineData("SLURM_PROCID", "1", "SLURM_LOCALID", "0", "SLURM_NTASKS is not set but SLURM_PROCID is")]
    public void BadOrIncompleteVariables_OneLineNamingTheVariable(string k1, string v1, string k2, string v2, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Parse((k1, v1), (k2, v2)));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(DistributedMode.Auto, false, 1, DistributedMode.Off)]
    [InlineData(DistributedMode.Auto, false, 4, DistributedMode.Mpi)]
    [InlineData(DistributedMode.Auto, true, 4, DistributedMode.Nccl)]
    [InlineData(DistributedMode.Off, true, 4, DistributedMode.Off)]
    [InlineData(DistributedMode.Mpi, false, 1, DistributedMode.Mpi)]
    public void Auto_NcclForCudaMpiForCpuOffForOne(DistributedMode mode, bool cuda, int world, DistributedMode expected) =>
        Assert.Equal(expected, DistributedModes.Resolve(mode, cuda, world));

    [Fact]
    public void WrongBackendForTheDevice_Throws()
    {
        Assert.Contains("--distributed nccl", Assert.Throws<ArgumentException>(() => DistributedModes.Resolve(DistributedMode.Mpi, true, 2)).Message);
        Assert.Contains("needs --device cuda", Assert.Throws<ArgumentException>(() => DistributedModes.Resolve(DistributedMode.Nccl, false, 2)).Message);
        Assert.Contains("allowed: auto, off, mpi, nccl", Assert.Throws<ArgumentException>(() => DistributedModes.Parse("gloo")).Message);
    }

    [Theory]
    [InlineData(100, 8, 3)]
    [InlineData(50, 8, 3)]    // last global batch of 2 < 3 ranks: one rank's part is empty
    [InlineData(64, 16, 2)]
    public void Shards_AreDisjointAndTheirUnionIsEachGlobalBatchInOrder(int n, int b, int w)
    {
        int[] order = [.. Enumerable.Range(0, n).Select(i => (i * 37) % n)];
        var parts = Enumerable.Range(0, w).Select(r => new DataShard(r, w).Select(order, b, dropLast: false)).ToArray();
        int batches = new DataShard(0, w).Batches(n, b, false);
        Assert.Equal((n + b * w - 1) / (b * w), batches);
        var union = new List<int>();
        for (int g = 0; g < batches; g++)
            for (int r = 0; r < w; r++)
                union.AddRange(parts[r].Skip(g * b).Take(g == batches - 1 ? int.MaxValue : b));
        Assert.Equal(order, union);
        Assert.All(parts, p => Assert.True(p.Length <= batches * b));
    }
}
