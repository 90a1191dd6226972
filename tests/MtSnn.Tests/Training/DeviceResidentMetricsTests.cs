using System.Text.Json.Nodes;
using MtSnn.Data;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Tests.TestSupport;
using MtSnn.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Training;

/// <summary>
/// The evaluator, gradient clipping and run summary keep their values on the device (no host read per batch or step);
/// these tests check them against the per-batch host computations they replace.
/// </summary>
[Collection(TrainingCollection.Name)]
public class DeviceResidentMetricsTests
{
    public DeviceResidentMetricsTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Evaluator_EqualsThePerBatchHostSums()
    {
        var config = TrainingFixtures.Tiny(epochs: 1, maxBatches: 3);
        using var t = new Trainer(config);
        t.Run();   // trained a little, so that the layers fire
        var got = t.Evaluate();

        // what the evaluator computed before: item() per batch, float x int products, double sums, rates read per batch
        var model = t.Model;
        using var data = new TrainingData(config);
        var encoder = TrainingData.Encoder(config, data.Train);
        var loss = config.CreateLoss();
        var layers = model.SpikingLayers;
        var rateSums = layers.Select(l => new double[l.Node.Options.Levels]).ToArray();
        double lossSum = 0;
        long correct = 0;
        int images = 0, b = 0;
        model.eval();
        foreach (var (_, node) in layers) node.RecordSpikes = true;
        using (no_grad())
        {
            foreach (var batch in data.TestLoader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    SpikingFunctional.ResetNet(model);
                    var logits = model.forward(encoder.Encode(batch.Images, -1 - b));
                    lossSum += loss.Compute(logits, batch.Labels).item<float>() * batch.Count;
                    correct += logits.mean([0]).argmax(1).eq(batch.Labels).sum().item<long>();
                    for (int l = 0; l < layers.Count; l++)
                    {
                        var r = layers[l].Node.LastLevelRates!;
                        for (int k = 0; k < r.Length; k++) rateSums[l][k] += r[k] * batch.Count;
                    }
                    images += batch.Count;
                }
                if (++b == config.MaxBatches) break;
            }
        }
        foreach (var (_, node) in layers) node.RecordSpikes = false;
        model.train();

        Assert.Equal(96, images);
        Assert.Equal(images, got.Images);
        Assert.Equal(lossSum / images, got.Loss);
        Assert.Equal((double)correct / images, got.Accuracy);
        for (int l = 0; l < layers.Count; l++)
            Assert.Equal(rateSums[l].Select(s => s / images), got.FiringRates[l].Levels);
        Assert.Contains(got.FiringRates.SelectMany(r => r.Levels), v => v > 0);   // the comparison is not all zeros
    }

    [Fact]
    public void NodeRates_OnTheDevice_EqualTheHostArray()
    {
        using var node = new MultiThresholdNode(new NeuronOptions { Dynamics = Dynamics.IF }) { RecordSpikes = true };
        using var scope = NewDisposeScope();
        // IF from V = 0, one step, V_th = 1: H = X, so 0.5 stays silent and 1.5, 2.5, 5 fire: rate 3/4
        var x = tensor(new float[] { 0.5f, 1.5f, 2.5f, 5f }).reshape(1, 4);
        node.forward(x);
        var onDevice = node.LastLevelRateTensor!;
        Assert.Equal(ScalarType.Float64, onDevice.dtype);
        Assert.Equal([0.75], node.LastLevelRates!);
        Assert.Equal(node.LastLevelRates!, onDevice.data<double>().ToArray());
        node.RecordSpikes = false;
        node.ResetState();
        node.forward(x);
        Assert.Null(node.LastLevelRateTensor);
        Assert.Null(node.LastLevelRates);
    }

    [Theory]
    [InlineData(0.05)]    // clips
    [InlineData(1e6)]     // leaves the gradients as they are (coefficient clamped to 1)
    public void GradientClipping_GivesLibtorchsGradients_AndNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        var grads = new List<float[]>();
        double libtorchNorm = 0;
        Tensor? ours = null;
        for (int pass = 0; pass < 2; pass++)
        {
            torch.manual_seed(11);
            using var net = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3));
            net.forward(randn(4, 5)).pow(2).sum().backward();
            if (pass == 0) libtorchNorm = nn.utils.clip_grad_norm_(net.parameters(), maxNorm);
            else ours = GradientClipping.ClipGradNorm(net.parameters(), maxNorm);
            grads.Add([.. net.parameters().SelectMany(p => p.grad!.data<float>().ToArray())]);
        }
        Assert.Equal(grads[0], grads[1]);   // bit for bit
        Assert.Equal((float)libtorchNorm, ours!.item<float>());
        if (maxNorm < 1)
        {
            // independent check of the clipped result: the global norm of the gradients is max_norm (up to the 1e-6 and rounding)
            double clipped = Math.Sqrt(grads[1].Sum(g => (double)g * g));
            Assert.Equal(maxNorm, clipped, 4);
        }
        Assert.Contains("must be finite and > 0", Assert.Throws<ArgumentException>(() => GradientClipping.ClipGradNorm([], 0)).Message);
    }

    [Fact]
    public void Tf32Option_IsAppliedForTheRun_RecordedInTheSummary_AndRestored()
    {
        var before = Tf32Settings.Current;
        Assert.Equal(new Tf32Settings(false, true), before);   // libtorch's defaults: matmul off, convolutions on
        using var tmp = new TempDir();
        var config = TrainingFixtures.Tiny(epochs: 1, maxBatches: 1) with { Tf32 = false };
        using (var t = new Trainer(config, tmp.Path))
        {
            Assert.Equal(new Tf32Settings(false, false), Tf32Settings.Current);
            t.Run();
        }
        Assert.Equal(before, Tf32Settings.Current);
        var summary = JsonNode.Parse(File.ReadAllText(tmp["summary.json"]))!;
        Assert.Equal("cpu", summary["device"]!.GetValue<string>());
        Assert.False(summary["tf32"]!["matmul"]!.GetValue<bool>());
        Assert.False(summary["tf32"]!["cudnn"]!.GetValue<bool>());
        Assert.Equal("off", summary["config"]!["tf32"]!.GetValue<string>());
        Assert.False(TrainConfig.FromJson(summary["config"]!.AsObject()).Tf32);

        // not given: the settings are left alone and the config says null
        using var tmp2 = new TempDir();
        using (var t = new Trainer(config with { Tf32 = null }, tmp2.Path)) t.Run();
        var s2 = JsonNode.Parse(File.ReadAllText(tmp2["summary.json"]))!;
        Assert.Null(s2["config"]!["tf32"]);
        Assert.True(s2["tf32"]!["cudnn"]!.GetValue<bool>());
        Assert.Contains("allowed: on, off", Assert.Throws<ArgumentException>(() => Tf32Settings.Parse("maybe")).Message);
    }
}
