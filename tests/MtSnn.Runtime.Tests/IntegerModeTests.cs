using MtSnn.Neurons;
using MtSnn.Runtime.Graph;
using Xunit;

namespace MtSnn.Runtime.Tests;

/// <summary>Integer fixed-point mode: deterministic and close to float32.</summary>
public sealed class IntegerModeTests
{
    [Theory]
    [InlineData("mlp", "pow2", FiringMode.Cascade, 4, Dynamics.IF)]
    [InlineData("cnn", "uniform", FiringMode.Parallel, 4, Dynamics.LIF)]
    [InlineData("resnet", "pow2", FiringMode.Cascade, 3, Dynamics.IF)]
    [InlineData("pooling", "explicit", FiringMode.Cascade, 3, Dynamics.PLIF)]
    public void Integer_mode_is_deterministic_and_close_to_float(string arch, string preset, FiringMode mode, int levels, Dynamics dyn)
    {
        var model = Architectures.Build(arch, NetBuilder.Neuron(preset, mode, levels, dyn, decay: dyn == Dynamics.PLIF ? 0.6 : 0.5, vth: dyn == Dynamics.IF ? 1 : 0.5), 4);
        var options = new EngineOptions(EngineArithmetic.Integer);
        var a = new Engine(model, options);
        var b = new Engine(model, options);
        var f = new Engine(model);
        var rng = new Random(9);
        int agree = 0, n = 20;
        double worst = 0;
        for (int s = 0; s < n; s++)
        {
            var x = NetBuilder.RandomInput(rng, a.InputSize);
            var la = a.Infer(x);
            Assert.Equal(la, b.Infer(x));           // bit-identical across engine instances
            Assert.Equal(la, a.Infer(x));           // and across repeated runs
            var lf = f.Infer(x);
            if (Array.IndexOf(la, la.Max()) == Array.IndexOf(lf, lf.Max())) agree++;
            worst = Math.Max(worst, la.Zip(lf, (p, q) => Math.Abs(p - q)).Max() / Math.Max(1, lf.Max(Math.Abs)));
        }
        Assert.True(agree >= n * 0.9, $"argmax agreed on {agree} of {n}");
        Assert.True(worst < 0.05, $"largest relative logit difference {worst}");
    }

    [Fact]
    public void Integer_mode_on_dyadic_if_model_equals_float_exactly()
    {
        // all weights are multiples of 1/32, inputs of 1/16, IF neurons with pow2 thresholds: every value is exact in both modes
        var model = Architectures.Build("mlp", NetBuilder.Neuron("pow2", FiringMode.Cascade, 4), 3);
        var i = new Engine(model, new EngineOptions(EngineArithmetic.Integer));
        var f = new Engine(model);
        var rng = new Random(11);
        for (int s = 0; s < 5; s++)
        {
            var x = NetBuilder.RandomInput(rng, 16);
            Assert.Equal(f.Infer(x), i.Infer(x));
        }
    }
}
