using MtSnn.Models;
using MtSnn.Neurons;
using Xunit;
using static MtSnn.Tests.Models.ModelTestSupport;
using static MtSnn.Tests.Models.ParameterCount;

namespace MtSnn.Tests.Models;

/// <summary>Each model's parameter count against its published architecture, counted by formula (see <see cref="ParameterCount"/>).</summary>
public class ParameterCountTests
{
    public ParameterCountTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static long Count(string name, MtSnn.Models.ModelSpec spec)
    {
        using var model = ModelZoo.Create(name, spec);
        return Parameters(model);
    }

    [Fact]
    public void Formula_ReproducesTorchvisionsPublishedCounts()
    {
        Assert.Equal(11_689_512, ImageNetResNet([2, 2, 2, 2]));
        Assert.Equal(21_797_672, ImageNetResNet([3, 4, 6, 3]));
    }

    [Theory]
    [InlineData("spiking-resnet18", 11_689_512)]
    [InlineData("sew-resnet18", 11_689_512)]
    [InlineData("spiking-resnet34", 21_797_672)]
    [InlineData("sew-resnet34", 21_797_672)]
    public void ImageNetResNets_HaveTorchvisionsCount(string name, long expected) =>
        Assert.Equal(expected, Count(name, Spec(3, 224, 224, 1000)));

    [Fact]
    public void DigitsCnn()
    {
        // conv 1->32, conv 32->64, avg pool 8x8 -> 4x4, FC 64*4*4 = 1024 -> 128, FC 128 -> 10
        long expected = ConvBn(3, 1, 32) + ConvBn(3, 32, 64) + Linear(1024, 128) + Linear(128, 10);
        Assert.Equal(expected, Count("digits-cnn", Spec(1, 8, 8, 10)));
    }

    [Fact]
    public void PlifNet_OnFashionMnist_PlusOnePlifScalarPerNeuronLayer()
    {
        // [conv 128 - max pool] x 2: 28 -> 14 -> 7; FC 128*7*7 -> 2048 -> 10
        long expected = ConvBn(3, 1, 128) + ConvBn(3, 128, 128) + Linear(128 * 7 * 7, 2048) + Linear(2048, 10);
        Assert.Equal(expected, Count("plif-net", Spec(1, 28, 28, 10)));
        // PLIF: one trainable a per neuron layer, three layers (after each conv and after FC 2048)
        Assert.Equal(expected + 3, Count("plif-net", Spec(1, 28, 28, 10, Plif)));
    }

    [Theory]
    [InlineData("vgg11", new[] { 64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0 })]
    [InlineData("vgg16", new[] { 64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0 })]
    public void Vgg_Cifar(string name, int[] configuration)
    {
        Assert.Equal(Vgg(configuration, 10), Count(name, Spec(3, 32, 32, 10)));
        Assert.Equal(Vgg(configuration, 100), Count(name, Spec(3, 32, 32, 100)));
    }

    [Fact]
    public void ResNet19_OfTet()
    {
        long expected = ConvBn(3, 3, 128) + Stages(128, [128, 256, 512], [3, 3, 2], [1, 2, 2]) + Linear(512, 256) + Linear(256, 10);
        Assert.Equal(expected, Count("resnet19", Spec(3, 32, 32, 10)));
    }

    [Fact]
    public void ResNet20_OfHeEtAl_WithParameterFreeShortcuts()
    {
        long expected = ConvBn(3, 3, 16) + Stages(16, [16, 32, 64], [3, 3, 3], [1, 2, 2], zeroPadShortcut: true) + Linear(64, 10);
        Assert.Equal(269_722, expected); // He et al. 2016, Table 6: "0.27M"
        Assert.Equal(expected, Count("resnet20", Spec(3, 32, 32, 10)));
    }

    [Theory]
    [InlineData("spiking-resnet18", 1 + 2 * 8)]      // stem + two per block
    [InlineData("sew-resnet18", 1 + 2 * 8 + 3)]      // + one per projection shortcut (layer2..4)
    [InlineData("spiking-resnet34", 1 + 2 * 16)]
    [InlineData("sew-resnet34", 1 + 2 * 16 + 3)]
    [InlineData("resnet19", 1 + 2 * 8 + 1)]          // + the classifier's hidden layer
    [InlineData("resnet20", 1 + 2 * 9)]
    [InlineData("vgg11", 8)]
    [InlineData("vgg16", 13)]
    [InlineData("digits-cnn", 3)]
    public void TrainableNeuronScalars_AddOneParameterPerNeuronLayerEach(string name, int neuronLayers)
    {
        var spec = SmallSpec(name);
        long plain = Count(name, spec);
        Assert.Equal(plain + neuronLayers, Count(name, spec with { Neuron = Plif }));
        var both = Plif with { TrainableVThreshold = true };
        Assert.Equal(plain + 2 * neuronLayers, Count(name, spec with { Neuron = both }));
        // other non-PLIF neurons (IF, multi-threshold cascade) add nothing
        Assert.Equal(plain, Count(name, spec with { Neuron = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 4 } }));
    }
}
