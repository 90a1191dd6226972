using MtSnn.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Models;

/// <summary>Folding time into the batch equals applying the layer at each step.</summary>
public class SeqToBatchTests
{
    public SeqToBatchTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static void EqualsPerStep(nn.Module<Tensor, Tensor> layer, Tensor x)
    {
        using var wrapped = new SeqToBatch(layer);
        var folded = wrapped.call(x);
        var perStep = stack(Enumerable.Range(0, (int)x.shape[0]).Select(t => layer.call(x[t])));
        Assert.Equal(perStep.shape, folded.shape);
        Assert.True(allclose(folded, perStep, rtol: 1e-5, atol: 1e-6), $"max difference {(folded - perStep).abs().max().item<float>()}");
    }

    [Fact]
    public void ConvBnEval_EqualsPerStep()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var layer = nn.Sequential(nn.Conv2d(2, 4, 3, stride: 2, padding: 1), nn.BatchNorm2d(4));
        layer.train();
        layer.call(randn([8, 2, 6, 6])); // move the running statistics off their initial values
        layer.eval();
        EqualsPerStep(layer, randn([3, 2, 2, 6, 6]));
    }

    [Fact]
    public void LinearAndPooling_EqualPerStep()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        EqualsPerStep(nn.Linear(5, 3), randn([4, 2, 5]));
        EqualsPerStep(nn.MaxPool2d(2), randn([2, 3, 1, 4, 4]));
        EqualsPerStep(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()), randn([2, 3, 4, 5, 5]));
    }

    [Fact]
    public void BatchNormInTraining_NormalisesOverTimeAndBatchTogether()
    {
        using var scope = NewDisposeScope();
        // one channel, T = 2, B = 1, 1x1 images: values 1 (t = 0) and 3 (t = 1); mean 2, biased variance 1,
        // so BN gives (x - 2) / sqrt(1 + eps) = -1, +1 (per-step BN would give 0 at both steps).
        using var wrapped = new SeqToBatch(nn.BatchNorm2d(1, eps: 0));
        wrapped.train();
        var y = wrapped.call(tensor(new float[] { 1, 3 }).reshape(2, 1, 1, 1, 1));
        Assert.Equal([2L, 1, 1, 1, 1], y.shape);
        Assert.Equal([-1f, 1f], y.flatten().data<float>().ToArray());
    }

    [Fact]
    public void RejectsAnInputWithoutTimeAndBatch()
    {
        using var scope = NewDisposeScope();
        using var wrapped = new SeqToBatch(nn.Identity());
        var e = Assert.Throws<ArgumentException>(() => wrapped.call(zeros(3)));
        Assert.Equal("SeqToBatch needs a sequence [T, B, ...] (got shape [3])", e.Message);
    }
}
