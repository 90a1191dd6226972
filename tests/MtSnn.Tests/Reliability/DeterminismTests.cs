using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Reliability;

/// <summary>
/// Issue 12, item 5: a seed gives bit-identical checkpoint weights (every parameter and buffer) whatever
/// the number of loader threads; another seed does not. (The checkpoint's header records <c>workers</c>, so the files
/// themselves differ in that one field.)
/// </summary>
public class DeterminismTests
{
    private static Dictionary<string, float[]> Train(TempDir tmp, string name, int workers, int seed)
    {
        var r = CliRunner.Run("train", "--dataset", "digits", "--model", "digits-cnn", "--mode", "cascade", "--levels", "2", "--T", "2",
            "--epochs", "2", "--max-batches", "4", "--batch-size", "16", "--augment", "--workers", workers.ToString(), "--seed", seed.ToString(),
            "--threads", "1", "--quiet", "--out", tmp[name]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var (_, _, model) = MtSnn.Training.CheckpointModel.Load(tmp[$"{name}/last.ckpt"]);
        using (model)
            return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(TorchSharp.torch.ScalarType.Float32).contiguous().data<float>().ToArray());
    }

    [Fact]
    public void A_seed_gives_byte_identical_checkpoints_for_any_worker_count()
    {
        using var tmp = new TempDir();
        var one = Train(tmp, "w1", workers: 1, seed: 5);
        var three = Train(tmp, "w3", workers: 3, seed: 5);
        var other = Train(tmp, "s6", workers: 1, seed: 6);
        Assert.Equal(one.Keys, three.Keys);
        foreach (var (name, values) in one)
            Assert.True(values.AsSpan().SequenceEqual(three[name]), $"{name} differs between 1 and 3 loader threads");
        Assert.Contains(one, kv => !kv.Value.AsSpan().SequenceEqual(other[kv.Key]));
    }
}
