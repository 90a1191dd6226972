using MtSnn.Export;
using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Neurons;

/// <summary>
/// A dynamics, firing mode or reset value no backend has a rule for (a cast integer, or a value added to its enum
/// without its cases) is refused by every backend with the value named, never run as another value's rule: the
/// reference, the fused CPU kernel, the CUDA source generator, the layer, the playground and the exporter.
/// </summary>
public class UnknownOptionTests
{
    public UnknownOptionTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static readonly NeuronOptions Base = new() { Dynamics = Dynamics.LIF, Mode = FiringMode.Cascade, Levels = 2 };

    public static TheoryData<string> Concepts() => ["firing mode", "dynamics", "reset"];

    /// <summary>The options with the fake value 99 for <paramref name="concept"/>, and the message every backend gives.</summary>
    private static (NeuronOptions Options, string Message) Fake(string concept) => concept switch
    {
        "firing mode" => (Base with { Mode = (FiringMode)99 }, "unknown firing mode 99 (allowed: Single, Parallel, Cascade)"),
        "dynamics" => (Base with { Dynamics = (Dynamics)99 }, "unknown dynamics 99 (allowed: IF, LIF, PLIF)"),
        "reset" => (Base with { Reset = (ResetMode)99 }, "unknown reset 99 (allowed: Soft, Hard)"),
        _ => throw new ArgumentException(concept),
    };

    private static void Refuses(string message, string backend, Action run)
    {
        var e = Record.Exception(run);
        Assert.True(e is ArgumentException, $"{backend}: expected ArgumentException '{message}', got {e?.GetType().Name ?? "no exception"}: {e?.Message}");
        Assert.Equal(message, e!.Message);
    }

    [Theory]
    [MemberData(nameof(Concepts))]
    public void The_reference_refuses_it(string concept)
    {
        using var scope = NewDisposeScope();
        var (o, message) = Fake(concept);
        Refuses(message, "reference", () => ReferenceNeuron.MultiStep(full([3, 4], 0.8f), zeros(4), o));
    }

    [Theory]
    [MemberData(nameof(Concepts))]
    public void The_fused_cpu_kernel_refuses_it_forward_and_backward(string concept)
    {
        var (o, message) = Fake(concept);
        const int steps = 3, n = 20;
        var x = Enumerable.Repeat(0.8f, steps * n).ToArray();
        var v0 = new float[n];
        foreach (int bits in new[] { 256, 512 })
        {
            using var width = CpuNeuronKernel.UseVectorBits(bits);
            Refuses(message, $"CPU forward ({bits})", () => CpuNeuronKernel.Forward(x, v0, steps, n, KernelParameters.From(o), new float[steps * n], new float[n]));
            Refuses(message, $"CPU backward ({bits})", () => CpuNeuronKernel.Backward(x, default, v0, new float[steps * n], default, steps, n, KernelParameters.From(o), new float[steps * n]));
        }
    }

    [Theory]
    [MemberData(nameof(Concepts))]
    public void The_cuda_source_generator_refuses_it(string concept)
    {
        var (o, message) = Fake(concept);
        var spec = new CudaKernelSpec(o, ScalarType.Float32, runtimeVThreshold: false, runtimePlifA: false);
        Refuses(message, "CUDA forward source", () => CudaKernelSource.Forward(spec));
        Refuses(message, "CUDA backward source", () => CudaKernelSource.Backward(spec));
        Refuses(message, "CUDA recompute backward source", () => CudaKernelSource.Backward(spec.WithRecomputeSteps(3)));
    }

    [Theory]
    [MemberData(nameof(Concepts))]
    public void The_layer_the_playground_and_the_exporter_refuse_it(string concept)
    {
        using var scope = NewDisposeScope();
        var (o, message) = Fake(concept);
        foreach (var backend in new[] { NeuronBackend.Auto, NeuronBackend.Reference, NeuronBackend.Fused })
        {
            using var node = new MultiThresholdNode(o) { Backend = backend };
            Refuses(message, $"layer ({backend})", () => node.forward(full([3, 2, 4], 0.8f)));
        }
        using (var node = new MultiThresholdNode(o))
            Refuses(message, "exporter", () => ModelExporter.ToSpec(node));
        Refuses(message, "playground", () => { using var p = new PlaygroundNeuron(o); p.Run([0.8, 1.6, 0.2]); });
    }
}
