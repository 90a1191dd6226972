using MtSnn.Cli;
using MtSnn.Native;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Native;

/// <summary>The thread policy: passive OpenMP wait set before libtorch loaded, intra-op threads = what the loader leaves, --threads overrides.</summary>
[Collection(MtSnn.Tests.Training.TrainingCollection.Name)]
public class ThreadPolicyTests
{
    public ThreadPolicyTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void Libgomp_was_told_to_wait_passively_before_it_loaded()
    {
        // the test host does not set OMP_WAIT_POLICY, so MtSnn did, in the C library's environment libgomp reads
        if (ThreadPolicy.WaitPolicySet) Assert.Equal("PASSIVE", Environment.GetEnvironmentVariable(ThreadPolicy.WaitPolicyVariable));
        Assert.Contains("OpenMP wait policy", ThreadPolicy.Description);
    }

    [Fact]
    public void Intra_op_threads_are_the_cores_the_loader_leaves()
    {
        if (Environment.GetEnvironmentVariable(ThreadPolicy.ThreadCountVariable) is { Length: > 0 }) return;   // the user's OMP_NUM_THREADS wins
        Assert.Equal(Math.Max(1, Environment.ProcessorCount - 1), ThreadPolicy.IntraOpThreads(1));
        Assert.Equal(1, ThreadPolicy.IntraOpThreads(Environment.ProcessorCount + 3));
        Assert.InRange(ThreadPolicy.DefaultWorkers, 1, 4);
    }

    [Fact]
    public void Train_threads_sets_libtorch_and_rejects_zero()
    {
        int before = TorchSharp.torch.get_num_threads();
        try
        {
            using var tmp = new TempDir();
            var r = MtSnn.Tests.Cli.CliRunner.Run("train", "--epochs", "1", "--max-batches", "1", "--T", "1", "--threads", "1");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(1, TorchSharp.torch.get_num_threads());
            r = MtSnn.Tests.Cli.CliRunner.Run("train", "--threads", "0");
            Assert.Equal(CliApp.BadInput, r.ExitCode);
            Assert.Equal("mtsnn: error: --threads must be in 1..1024 (got 0)", Assert.Single(r.ErrorLines));
        }
        finally
        {
            ThreadPolicy.Requested = null;
            TorchSharp.torch.set_num_threads(before);
        }
    }
}
