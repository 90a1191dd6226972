using MtSnn.Data.Neuromorphic;
using MtSnn.Tests.Cli;
using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using Xunit;

namespace MtSnn.Tests.Reliability;

/// <summary>
/// An N-MNIST folder whose test split has labels its training split lacks (what <c>dvs-emulate --limit 5</c> writes)
/// trains: both splits take their class count from the label folders of both (libtorch aborted with "Target 5 is out
/// of bounds" when each split counted its own labels).
/// </summary>
[Collection(TrainingCollection.Name)]
public class NMnistSplitClassesTests
{
    [Fact]
    public void A_test_split_with_labels_the_training_split_lacks_trains()
    {
        using var dir = new TempDir();
        var one = NMnistBin.Encode(new EventStream(34, 34, [1, 2], [3, 4], [0, 10], [true, false]));
        foreach (var (split, label) in new[] { ("train", 0), ("train", 1), ("test", 0), ("test", 5) })
        {
            Directory.CreateDirectory(dir[$"data/{split}/{label}"]);
            File.WriteAllBytes(dir[$"data/{split}/{label}/a.bin"], one);
        }
        Assert.Equal(6, new NMnistFolder(dir["data"], train: true).ClassCount);
        Assert.Equal(6, new NMnistFolder(dir["data"], train: false).ClassCount);
        var r = CliRunner.Run("train", "--dataset", "nmnist", "--data", dir["data"], "--T", "2", "--epochs", "1", "--workers", "1", "--batch-size", "2", "--out", dir["run"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(dir["run/last.ckpt"]));
    }
}
