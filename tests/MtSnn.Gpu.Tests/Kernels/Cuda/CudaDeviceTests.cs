using System.Diagnostics;
using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using MtSnn.Tests.Kernels;
using MtSnn.Tests.Kernels.Cuda;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Gpu.Tests.Kernels.Cuda;

/// <summary>
/// The CUDA kernel on a real GPU: the launch layer against the reference and the CPU kernel with the same cases and
/// assertions as the CPU emulation, each case with the store-H and the recompute backward (which must agree bit for
/// bit but for the order of the parameter-gradient atomicAdds); the autograd function and the dispatch through
/// <see cref="FusedNeuron"/> and <see cref="MultiThresholdNode"/> with either backward; a timing report (printed, never asserted).
/// </summary>
public class CudaDeviceTests(ITestOutputHelper output)
{
    private static readonly Device Gpu = new(DeviceType.CUDA, 0);

    public static TheoryData<int> SurrogateIndices() => [.. Enumerable.Range(0, KernelCases.Surrogates.Length)];

    [CudaTheory]
    [MemberData(nameof(SurrogateIndices))]
    public void Float32_kernels_on_the_gpu_match_the_reference_and_the_cpu_kernel(int surrogateIndex)
    {
        var cases = EmulationCases.Float32Set(surrogateIndex, 9000 + surrogateIndex, largeN: 3000, keep: c => c % 3 == surrogateIndex % 3);
        RunBothBackwards(cases, storageTolerance: 0);
    }

    [CudaTheory]
    [InlineData(ScalarType.Float16, 1.0 / 1024)]
    [InlineData(ScalarType.BFloat16, 1.0 / 128)]
    public void Half_precision_kernels_on_the_gpu_match_the_reference(ScalarType storage, double epsilon)
    {
        var rng = new Random(storage == ScalarType.Float16 ? 26 : 27);
        var cases = KernelCases.All(KernelCases.Surrogates[storage == ScalarType.Float16 ? 1 : 5], rng).Where((_, i) => i % 2 == 0)
            .Select((o, i) => EmulationCases.Make(o, storage, rng.Next(1, 5), KernelCases.NeuronCounts[rng.Next(KernelCases.NeuronCounts.Length)], new Random(i)))
            .ToList();
        RunBothBackwards(cases, epsilon);
    }

    [CudaTheory]
    [InlineData(ScalarType.Float32, 1e-5, BackwardState.StoreH)]
    [InlineData(ScalarType.Float32, 1e-5, BackwardState.Recompute)]
    [InlineData(ScalarType.Float16, 2e-2, BackwardState.StoreH)]
    [InlineData(ScalarType.Float16, 2e-2, BackwardState.Recompute)]
    [InlineData(ScalarType.BFloat16, 1e-1, BackwardState.StoreH)]
    [InlineData(ScalarType.BFloat16, 1e-1, BackwardState.Recompute)]
    public void The_module_on_cuda_runs_the_fused_kernel_and_agrees_with_its_reference_backend(ScalarType dtype, double tolerance, BackwardState backward)
    {
        // the module names no state: the process default decides (what MTSNN_CUDA_BACKWARD=store|recompute sets)
        var before = CudaBackwardPolicy.Default;
        CudaBackwardPolicy.Default = backward;
        try { ModuleAgreesWithReference(dtype, tolerance); }
        finally { CudaBackwardPolicy.Default = before; }
    }

    private static void ModuleAgreesWithReference(ScalarType dtype, double tolerance)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(NeuronBackend.Fused, NeuronDispatch.Choose(zeros(2, dtype, Gpu), NeuronBackend.Auto, storeMembrane: false));
        Assert.Equal(NeuronBackend.Reference, NeuronDispatch.Choose(zeros(2, float64, Gpu), NeuronBackend.Auto, storeMembrane: false));
        var o = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4, Dynamics = Dynamics.PLIF, TrainableVThreshold = true };
        // multiples of 1/64 in [-0.5, 1.5): exact in every dtype here
        var x = (randint(-32, 96, [4, 2, 3, 5], generator: new Generator(7)).to_type(float32) / 64).to(dtype, Gpu);
        Tensor RunWith(NeuronBackend b)
        {
            using var node = new MultiThresholdNode(o) { Backend = b, RecordSpikes = true };
            node.to(Gpu);
            var xi = x.detach().transpose(2, 3).requires_grad_(true);   // non-contiguous input
            var y = node.forward(xi);
            (y.to_type(float32) * linspace(-1, 1, y.numel(), device: Gpu).reshape(y.shape)).sum().backward();
            Assert.Equal(new long[] { 4, 4, 2, 5, 3 }, node.LastSpikes!.shape);
            return cat([y.detach().to_type(float32).flatten(), xi.grad!.to_type(float32).flatten(), node.PlifA!.grad!.to_type(float32).flatten()])
                .cpu().MoveToOuterDisposeScope();
        }
        var fused = RunWith(NeuronBackend.Fused).data<float>().ToArray();
        var reference = RunWith(NeuronBackend.Reference).data<float>().ToArray();
        for (int i = 0; i < fused.Length; i++)
            Assert.True(Math.Abs(fused[i] - reference[i]) <= tolerance * (1 + Math.Abs(reference[i])), $"[{i}] fused {fused[i]} reference {reference[i]}");
    }

    [CudaFact]
    public void A_missing_output_gradient_counts_as_zero_and_a_scalar_v0_broadcasts()
    {
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Mode = FiringMode.Parallel, Levels = 3 };
        var x = (rand([3, 7], generator: new Generator(3)) * 2).to(Gpu).requires_grad_(true);
        var v0 = tensor(0.25f, device: Gpu).requires_grad_(true);
        var r = FusedNeuron.MultiStep(x, v0, o);
        r.VLast.sum().backward();               // O unused: its gradient never arrives
        var xr = x.detach().cpu().requires_grad_(true);
        var v0r = tensor(0.25f).requires_grad_(true);
        ReferenceNeuron.MultiStep(xr, v0r.expand(7), o).VLast.sum().backward();
        Assert.True(allclose(x.grad!.cpu(), xr.grad!, 1e-5, 1e-6));
        Assert.True(allclose(v0.grad!.cpu(), v0r.grad!, 1e-5, 1e-6));
    }

    [CudaTheory]
    [InlineData(8)]
    [InlineData(CudaKernelSpec.MaxRecomputeSteps + 3)]   // too long to recompute: both run store-H
    public void Recompute_and_store_h_through_autograd_give_the_same_gradients(int steps)
    {
        using var scope = NewDisposeScope();
        var o = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4, Dynamics = Dynamics.PLIF, TrainableVThreshold = true };
        var x = (rand([steps, 3, 700], generator: new Generator(5)) * 2 - 0.3).to(Gpu);
        var gO = (rand([steps, 3, 700], generator: new Generator(6)) - 0.5).to(Gpu);
        float[][] Grads(BackwardState state)
        {
            using var s = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            var v0 = zeros([3, 700], device: Gpu).requires_grad_(true);
            var a = tensor(0.3f, device: Gpu).requires_grad_(true);
            var vth = tensor(1.1f, device: Gpu).requires_grad_(true);
            var r = FusedNeuron.MultiStep(xi, v0, o, a, vth, state: state);
            (r.Output * gO).sum().add(r.VLast.sum()).backward();
            return [.. new[] { r.Output, xi.grad!, v0.grad!, a.grad!, vth.grad! }.Select(t => t.detach().cpu().flatten().data<float>().ToArray())];
        }
        var store = Grads(BackwardState.StoreH);
        var recompute = Grads(BackwardState.Recompute);
        Assert.Equal(store[0], recompute[0]);   // O
        Assert.Equal(store[1], recompute[1]);   // dL/dX: the same arithmetic on the same H
        Assert.Equal(store[2], recompute[2]);   // dL/dV[-1]
        for (int j = 3; j < 5; j++)              // dL/da, dL/dV_th: block sums added by atomicAdd in no fixed order
            Assert.True(Math.Abs(store[j][0] - recompute[j][0]) <= 1e-4 * (1 + Math.Abs(store[j][0])), $"[{j}] store-H {store[j][0]} recompute {recompute[j][0]}");
    }

    [CudaFact]
    public void Report_timings_of_forward_plus_backward()
    {
        const int steps = 8, neurons = 1 << 22;
        var cases = new (string Name, NeuronOptions O)[]
        {
            ("LIF single", new NeuronOptions()),
            ("LIF cascade K=4", new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4 }),
            ("LIF parallel K=4", new NeuronOptions { Mode = FiringMode.Parallel, Levels = 4 }),
            ("PLIF cascade K=4", new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4, Dynamics = Dynamics.PLIF }),
        };
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float16 })
            foreach (var (name, o) in cases)
            foreach (var state in new[] { BackwardState.StoreH, BackwardState.Recompute })
            {
                using var scope = NewDisposeScope();
                var x = rand([steps, neurons], device: Gpu).to_type(dtype);
                var gO = rand([steps, neurons], device: Gpu).to_type(dtype);
                var v0 = zeros(neurons, dtype, Gpu);
                var a = o.Dynamics == Dynamics.PLIF ? tensor(0f, device: Gpu).requires_grad_(true) : null;
                void Once()
                {
                    using var s = NewDisposeScope();
                    FusedNeuron.MultiStep(x.detach().requires_grad_(true), v0, o, a, state: state).Output.backward([gO]);
                }
                for (int i = 0; i < 3; i++) Once();
                var times = new List<double>();
                for (int i = 0; i < 15; i++)
                {
                    torch.cuda.synchronize();
                    var sw = Stopwatch.StartNew();
                    Once();
                    torch.cuda.synchronize();
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                output.WriteLine($"{name} {dtype} {state} T={steps} N={neurons}: median {times[7]:F3} ms (min {times[0]:F3}, max {times[^1]:F3}) forward+backward through autograd");
            }
    }

    /// <summary>Runs the cases store-H and recompute; both must match the reference, and each other (see <see cref="EmulationAssert.SameAsStoreH"/>).</summary>
    private static void RunBothBackwards(List<EmuCase> cases, double storageTolerance)
    {
        List<EmuCase> all = [.. cases, .. cases.Select(EmulationCases.Recomputing)];
        var results = Run(all);
        EmulationAssert.MatchesReference(all, results, storageTolerance);
        EmulationAssert.SameAsStoreH(cases, [.. results.Take(cases.Count)], [.. results.Skip(cases.Count)], exactAccumulators: false);
    }

    /// <summary>Runs the cases with <see cref="CudaNeuronKernel"/> on cuda:0 and copies the results back (a recompute case writes no H).</summary>
    private static IReadOnlyList<EmuResult> Run(IReadOnlyList<EmuCase> cases)
    {
        // Hundreds of distinct specs: compile them on every core first (NVRTC is the slow part of this test).
        Parallel.ForEach(cases.Select(e => e.Spec).Distinct(), spec => CudaNeuronKernel.Prepare(spec));
        var results = new List<EmuResult>();
        foreach (var e in cases)
        {
            using var scope = NewDisposeScope();
            var s = e.Spec;
            int t = e.Steps, n = e.Neurons, k = s.Options.Levels;
            Tensor Stored(float[] v) => tensor(v).to(s.Storage, Gpu);
            var x = Stored(e.X); var v0 = Stored(e.V0);
            var gO = e.GradO is null ? null : Stored(e.GradO);
            var gVl = e.GradVLast is null ? null : Stored(e.GradVLast);
            var parameters = s.RuntimePlifA || s.RuntimeVThreshold ? tensor(new[] { e.A, e.VThreshold }).to(Gpu) : null;
            var o = empty(t * n, s.Storage, Gpu); var vl = empty(n, s.Storage, Gpu); var h = s.Recomputes ? null : empty(t * n, float32, Gpu);
            var spikes = e.Spikes ? zeros(t * k * n, uint8, Gpu) : null;
            var gx = empty(t * n, s.Storage, Gpu); var gv0 = e.GradV0 ? empty(n, s.Storage, Gpu) : null;
            var acc = e.Accumulate ? zeros(2, float32, Gpu) : null;
            CudaNeuronKernel.Forward(s, x, v0, o, vl, h, spikes, parameters, t, n);
            CudaNeuronKernel.Backward(s, h ?? x, v0, gO, gVl, gx, gv0, acc, parameters, t, n);
            float[] F(Tensor v) => v.to_type(float32).cpu().data<float>().ToArray();
            results.Add(new EmuResult(F(o), F(vl), h is null ? null : F(h), spikes?.cpu().data<byte>().ToArray(), F(gx), gv0 is null ? null : F(gv0),
                acc is null ? [0f, 0f] : F(acc)));
        }
        return results;
    }
}
