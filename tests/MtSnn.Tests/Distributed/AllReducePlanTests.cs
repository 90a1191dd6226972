using MtSnn.Data;
using MtSnn.Distributed;
using MtSnn.Models;
using MtSnn.Neurons;
using Xunit;

namespace MtSnn.Tests.Distributed;

/// <summary>The gradient buckets of one data-parallel step: every trainable parameter once, filled up to 25 MiB.</summary>
public sealed class AllReducePlanTests
{
    [Theory]
    [InlineData("digits-mlp", 1, 8, 10, 1)]            // 38 KB: one bucket
    [InlineData("spiking-resnet34", 3, 224, 1000, 4)]  // 83.2 MiB: ceil(83.2 / 25) = 4 buckets (not one per parameter)
    public void Buckets_HoldEveryGradientByteAndFillUpTo25MiB(string name, int channels, int size, int classes, int buckets)
    {
        using var model = ModelZoo.Create(name, new ModelSpec(new ImageShape(channels, size, size), classes, new NeuronOptions()));
        var (bytes, parameters, count) = DataParallel.AllReducePlan(model);
        long expected = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        Assert.Equal(expected, parameters);
        Assert.Equal(4 * expected, bytes);   // float32
        Assert.Equal(buckets, count);
    }
}
