using MtSnn.Models;
using MtSnn.Neurons;
using Xunit;
using static MtSnn.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace MtSnn.Tests.Models;

/// <summary>ResetNet clears every neuron of a model; backward reaches every parameter.</summary>
public class ModelStateAndGradientTests
{
    public ModelStateAndGradientTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData("digits-cnn")]
    [InlineData("resnet20")]
    public void ResetNet_MakesTheNextForwardStartFresh(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        // a low threshold and training-mode BN (batch statistics, the same for the same input) make every layer fire
        var spec = SmallSpec(name, Lif with { VThreshold = 0.2 });
        using var model = ModelZoo.Create(name, spec);
        model.train();
        using var noGrad = no_grad();
        var x = rand([3, 4, spec.Input.Channels, spec.Input.Height, spec.Input.Width]) * 2;
        var first = model.call(x);
        var carried = model.call(x); // starts from the membranes the first call left
        SpikingFunctional.ResetNet(model);
        var fresh = model.call(x);
        Assert.True((first - carried).abs().max().item<float>() > 0, "the state carried over should change the output");
        Assert.Equal(0f, (first - fresh).abs().max().item<float>()); // after ResetNet the output repeats the first call's
    }

    [Theory]
    [InlineData("digits-cnn", 8, 8)]
    [InlineData("plif-net", 12, 12)]
    public void Backward_ReachesEveryParameter(string name, int h, int w)
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        // PLIF with a trainable threshold: the neurons' a and V_th are parameters too. A low threshold makes the
        // hidden FC layer fire at initialisation; otherwise the classifier's weights rightly get zero gradient.
        var neuron = Plif with { TrainableVThreshold = true, VThreshold = 0.2 };
        var spec = Spec(1, h, w, 10, neuron);
        using var model = ModelZoo.Create(name, spec);
        model.train();
        var x = rand([2, 4, 1, h, w]) * 2;
        var labels = tensor(new long[] { 0, 3, 7, 9 });
        var logits = model.call(x).mean([0]);
        nn.functional.cross_entropy(logits, labels).backward();
        var parameters = model.named_parameters().ToList();
        Assert.Equal(ParameterTensors(model), parameters.Count);
        foreach (var (pname, p) in parameters)
        {
            Assert.True(p.grad is not null, $"{pname} has no gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{pname} has a non-finite gradient");
            Assert.True(p.grad!.abs().sum().to(float64).item<double>() > 0, $"{pname} has an all-zero gradient");
        }
    }

    // conv weight, BN gamma and beta per conv layer; weight and bias per linear layer; a and V_th per neuron layer.
    private static int ParameterTensors(SpikingModel model) => model.Spec.Input.Height == 8
        ? 2 * 3 + 2 * 2 + 3 * 2   // digits-cnn: 2 conv-BN, 2 linear, 3 neuron layers
        : 2 * 3 + 2 * 2 + 3 * 2;  // plif-net: the same counts
}
