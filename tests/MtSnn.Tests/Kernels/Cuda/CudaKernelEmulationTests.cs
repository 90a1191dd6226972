using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels.Cuda;

/// <summary>
/// The generated CUDA kernels, compiled as C++ with g++ against a shim and run over an emulated grid (real threads per
/// block, a real barrier for __syncthreads), against the composed reference. Per surrogate: every dynamics (IF, LIF and
/// PLIF with decay_input on and off) x mode x reset x detach_reset, random K = 1..8, preset, V_th, tau, V_reset; odd N
/// and N over several blocks of 32..256 threads, T = 1..5; trainable V_th and PLIF a read at run time or baked in;
/// missing dL/dO or dL/dV_last. Neurons that come within 1e-3 of a threshold (float64 run) are left out of the exact
/// comparisons, as in the CPU kernel's tests. Every case runs twice, store-H and recompute backward (T baked into the
/// kernel; the emulated forward gets no H buffer, so a write to H would crash), both against the reference with the same
/// tolerances, and the recompute results must be bit-identical to store-H's.
/// </summary>
public class CudaKernelEmulationTests
{
    public CudaKernelEmulationTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    public static TheoryData<int> SurrogateIndices() => [.. Enumerable.Range(0, KernelCases.Surrogates.Length)];

    [EmulationTheory]
    [MemberData(nameof(SurrogateIndices))]
    public void Float32_kernels_match_the_reference(int surrogateIndex)
    {
        var cases = EmulationCases.Float32Set(surrogateIndex, 7000 + surrogateIndex, largeN: 300);
        Assert.Equal(60, cases.Count);
        RunBothBackwards(cases, storageTolerance: 0);
    }

    [EmulationFact]
    public void Every_level_count_1_to_8_in_both_multi_level_modes_matches_the_reference()
    {
        var rng = new Random(71);
        var cases = new List<EmuCase>();
        foreach (var mode in new[] { FiringMode.Parallel, FiringMode.Cascade })
            for (int k = 1; k <= 8; k++)
            {
                var o = new NeuronOptions { Mode = mode, Levels = k, Dynamics = Dynamics.PLIF, Reset = k % 2 == 0 ? ResetMode.Hard : ResetMode.Soft }.Validate();
                cases.Add(EmulationCases.Make(o, ScalarType.Float32, 4, 97, rng));
            }
        RunBothBackwards(cases, storageTolerance: 0);
    }

    [EmulationTheory]
    [InlineData(ScalarType.Float16, 1.0 / 1024)]
    [InlineData(ScalarType.BFloat16, 1.0 / 128)]
    public void Half_precision_storage_matches_the_reference_to_storage_rounding(ScalarType storage, double epsilon)
    {
        var rng = new Random(storage == ScalarType.Float16 ? 16 : 17);
        var cases = new List<EmuCase>();
        int c = 0;
        foreach (var o in KernelCases.All(KernelCases.Surrogates[storage == ScalarType.Float16 ? 1 : 5], rng))
            cases.Add(EmulationCases.Make(o, storage, rng.Next(1, 5), KernelCases.NeuronCounts[rng.Next(KernelCases.NeuronCounts.Length)], new Random(c++)));
        RunBothBackwards(cases, epsilon);
    }

    [EmulationFact]
    public void Recompute_over_the_longest_baked_t_matches_store_h_and_the_reference()
    {
        var rng = new Random(32);
        // (options, T): the longest T only where few levels are compared per step, so that most neurons stay clear of
        // every threshold at every step (the comparisons leave out neurons within 1e-3 of one)
        var runs = new (NeuronOptions Options, int Steps)[]
        {
            (new NeuronOptions { Mode = FiringMode.Single, Dynamics = Dynamics.IF, DetachReset = true }, CudaKernelSpec.MaxRecomputeSteps),
            (new NeuronOptions { Mode = FiringMode.Parallel, Levels = 2, Dynamics = Dynamics.LIF, Reset = ResetMode.Hard, DecayInput = false }, CudaKernelSpec.MaxRecomputeSteps),
            (new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4, Dynamics = Dynamics.PLIF }, 13),
            (new NeuronOptions { Mode = FiringMode.Single, Dynamics = Dynamics.LIF }, 17),
        };
        var cases = runs.Select(r => EmulationCases.Make(r.Options.Validate(), ScalarType.Float32, r.Steps, 37, rng)).ToList();
        RunBothBackwards(cases, storageTolerance: 0);
    }

    /// <summary>Runs the cases store-H and recompute in one emulated program; both must match the reference, and each other bit for bit.</summary>
    private static void RunBothBackwards(List<EmuCase> cases, double storageTolerance)
    {
        Assert.All(cases, e => Assert.False(e.Spec.Recomputes));
        List<EmuCase> all = [.. cases, .. cases.Select(EmulationCases.Recomputing)];
        var results = CudaEmulator.Run(all);
        EmulationAssert.MatchesReference(all, results, storageTolerance);
        EmulationAssert.SameAsStoreH(cases, [.. results.Take(cases.Count)], [.. results.Skip(cases.Count)], exactAccumulators: true);
    }
}
