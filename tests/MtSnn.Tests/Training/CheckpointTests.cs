using MtSnn.IO;
using MtSnn.Models;
using MtSnn.Training;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Training;

[Collection(TrainingCollection.Name)]
public class CheckpointTests
{
    public CheckpointTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Resume_GivesTheSameLossesAsTheUninterruptedRun()
    {
        using var tmp = new TempDir();
        var config = TrainingFixtures.Tiny(epochs: 2);
        double[] uninterrupted;
        using (var a = new Trainer(config))
        {
            a.Run();
            uninterrupted = [.. a.StepLosses];
        }
        using (var b = new Trainer(config, tmp.Path))
        {
            b.Run(stopAfterEpoch: 1);
            Assert.Equal(1, b.EpochsDone);
        }
        using var c = Trainer.Resume(Path.Combine(tmp.Path, "last.ckpt"), tmp.Path);
        Assert.Equal(1, c.EpochsDone);
        c.Run();
        Assert.Equal(2, c.EpochsDone);
        Assert.Equal(4, uninterrupted.Length);
        Assert.Equal(uninterrupted, c.StepLosses); // bit-identical, starting with the first step after the resume
    }

    [Fact]
    public void FailedWrite_LeavesThePreviousCheckpointIntact_AndDamageIsDetected()
    {
        using var tmp = new TempDir();
        string path = tmp["last.ckpt"];
        using var t = new Trainer(TrainingFixtures.Tiny(epochs: 2, maxBatches: 1));
        t.Run(stopAfterEpoch: 1);
        var first = t.CurrentCheckpoint();
        CheckpointFile.Save(path, first);
        byte[] before = File.ReadAllBytes(path);
        t.Run();
        var second = t.CurrentCheckpoint();
        Assert.Equal(2, second.Epoch);

        // a failure in the middle of writing (after the new bytes were written to the temporary file)
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { CheckpointFile.Write(s, second); throw new IOException("injected: disk full"); }));
        Assert.Contains("injected", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["last.ckpt"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName));
        var loaded = CheckpointFile.Load(path);
        Assert.Equal(1, loaded.Epoch);
        Assert.Equal(first.ModelState, loaded.ModelState);
        Assert.Equal(first.OptimizerState, loaded.OptimizerState);

        // truncation and a flipped byte are reported, never loaded
        File.WriteAllBytes(tmp["cut.ckpt"], before[..(before.Length / 2)]);
        Assert.Contains("checksum mismatch", Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(tmp["cut.ckpt"])).Message);
        byte[] flipped = (byte[])before.Clone();
        flipped[flipped.Length / 3] ^= 0x40;
        File.WriteAllBytes(tmp["flip.ckpt"], flipped);
        Assert.Contains("checksum mismatch", Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(tmp["flip.ckpt"])).Message);
        File.WriteAllText(tmp["text.ckpt"], "not a checkpoint at all, but long enough to pass the length check....");
        Assert.Contains("wrong magic", Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(tmp["text.ckpt"])).Message);
    }

    [Fact]
    public void RoundTrip_RestoresWeights_AndRejectsAModelOfAnotherShape()
    {
        using var tmp = new TempDir();
        using var t = new Trainer(TrainingFixtures.Tiny(epochs: 1, maxBatches: 1));
        t.Run();
        CheckpointFile.Save(tmp["a.ckpt"], t.CurrentCheckpoint());
        var ck = CheckpointFile.Load(tmp["a.ckpt"]);
        Assert.Equal(t.Config.ToJson().ToJsonString(), ck.Config.ToJson().ToJsonString());

        using var same = ModelZoo.Create("digits-cnn", t.Model.Spec);
        CheckpointFile.LoadInto(ck, same, "a.ckpt");
        foreach (var ((name, p), (_, q)) in t.Model.state_dict().Zip(same.state_dict()))
            Assert.True(p.eq(q).all().item<bool>(), $"{name} differs after loading");

        using var other = ModelZoo.Create("digits-cnn", t.Model.Spec with { NumClasses = 7 });
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.LoadInto(ck, other, "a.ckpt"));
        Assert.Contains("does not fit", e.Message);
        Assert.Contains("[10,128]", e.Message);   // the last linear layer, 128 -> 10 classes
    }
}
