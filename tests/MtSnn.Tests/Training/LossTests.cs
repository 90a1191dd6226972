using MtSnn.Training.Losses;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Training;

/// <summary>Losses on logits O[t, b, c] with hand-worked values. Sample 0: O[0] = (1, 0), O[1] = (3, 0), label 0.</summary>
public class LossTests
{
    public LossTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static Tensor OneSample() => tensor(new double[] { 1, 0, 3, 0 }).reshape(2, 1, 2);
    private static Tensor Label0() => tensor(new long[] { 0 });
    private static double Value(Tensor t) => t.to(float64).item<double>();

    [Fact]
    public void CrossEntropy_OfTimeAveragedLogits()
    {
        using var scope = NewDisposeScope();
        // mean over t: z = (2, 0); CE = -log(e^2 / (e^2 + 1)) = log(1 + e^-2)
        double expected = Math.Log(1 + Math.Exp(-2));
        Assert.Equal(expected, Value(new MeanCrossEntropyLoss().Compute(OneSample(), Label0())), 12);
    }

    [Fact]
    public void CrossEntropy_WithLabelSmoothing()
    {
        using var scope = NewDisposeScope();
        // eps = 0.2, C = 2: q = (0.9, 0.1); log p0 = -log(1 + e^-2), log p1 = -2 - log(1 + e^-2)
        double lse = Math.Log(1 + Math.Exp(-2));
        double expected = -(0.9 * -lse + 0.1 * (-2 - lse));
        Assert.Equal(expected, Value(new MeanCrossEntropyLoss(0.2).Compute(OneSample(), Label0())), 12);
    }

    [Fact]
    public void RateMse_IsMseOfTheMeanOutputToOneHot()
    {
        using var scope = NewDisposeScope();
        // sample 0: mean (2, 0) vs (1, 0): (1 + 0) / 2; sample 1: O[0] = (0, 1), O[1] = (0, 3), label 1: mean (0, 2) vs (0, 1): (0 + 1) / 2
        var logits = tensor(new double[] { 1, 0, 0, 1, 3, 0, 0, 3 }).reshape(2, 2, 2);
        var labels = tensor(new long[] { 0, 1 });
        Assert.Equal(0.5, Value(new RateMseLoss().Compute(logits, labels)), 12);
        // label 1 for sample 0 instead: mean (2, 0) vs (0, 1): (4 + 1) / 2 = 2.5; average over the batch (2.5 + 0.5) / 2
        Assert.Equal(1.5, Value(new RateMseLoss().Compute(logits, tensor(new long[] { 1, 1 }))), 12);
    }

    [Fact]
    public void Tet_AveragesThePerStepCrossEntropy()
    {
        using var scope = NewDisposeScope();
        // (CE((1, 0), 0) + CE((3, 0), 0)) / 2 = (log(1 + e^-1) + log(1 + e^-3)) / 2
        double expected = (Math.Log(1 + Math.Exp(-1)) + Math.Log(1 + Math.Exp(-3))) / 2;
        Assert.Equal(expected, Value(new TetLoss().Compute(OneSample(), Label0())), 12);
    }

    [Fact]
    public void Tet_WithMseRegulariser()
    {
        using var scope = NewDisposeScope();
        // lambda = 0.5, phi = 1: MSE(O[0], 1) = (0 + 1) / 2 = 0.5, MSE(O[1], 1) = (4 + 1) / 2 = 2.5, mean 1.5
        double ce = (Math.Log(1 + Math.Exp(-1)) + Math.Log(1 + Math.Exp(-3))) / 2;
        double expected = 0.5 * ce + 0.5 * 1.5;
        Assert.Equal(expected, Value(new TetLoss(0, 0.5, 1.0).Compute(OneSample(), Label0())), 12);
    }

    [Fact]
    public void Tet_EqualsMeanCrossEntropy_WhenT1()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new double[] { 0.3, -1.2, 2.0, 0.1, 0.4, -0.5 }).reshape(1, 2, 3);
        var labels = tensor(new long[] { 2, 0 });
        Assert.Equal(Value(new MeanCrossEntropyLoss().Compute(logits, labels)), Value(new TetLoss().Compute(logits, labels)), 12);
    }

    [Fact]
    public void Losses_RejectBadShapesAndValues()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("[T, B, C]", Assert.Throws<ArgumentException>(() => new RateMseLoss().Compute(zeros(2, 3), Label0())).Message);
        Assert.Contains("labels must be [B]", Assert.Throws<ArgumentException>(() => new MeanCrossEntropyLoss().Compute(OneSample(), tensor(new long[] { 0, 1 }))).Message);
        Assert.Contains("label smoothing", Assert.Throws<ArgumentException>(() => new MeanCrossEntropyLoss(1.0)).Message);
        Assert.Contains("lambda", Assert.Throws<ArgumentException>(() => new TetLoss(0, 2)).Message);
        Assert.Contains("allowed: ce, mse, tet", Assert.Throws<ArgumentException>(() => SpikingLoss.Parse("hinge")).Message);
    }
}
