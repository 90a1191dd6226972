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
/// comparisons, as in the CPU kernel's tests.
/// </summary>
public class CudaKernelEmulationTests
{
    public CudaKernelEmulationTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    public static TheoryData<int> SurrogateIndices() => [.. Enumerable.Range(0, KernelCases.Surrogates.Length)];

    [EmulationTheory]
    [MemberData(nameof(SurrogateIndices))]
    public void Float32_kernels_match_the_reference(int surrogateIndex)
    {
        var rng = new Random(7000 + surrogateIndex);
        var cases = new List<EmuCase>();
        int c = 0;
        foreach (var o in KernelCases.All(KernelCases.Surrogates[surrogateIndex], rng))
        {
            int steps = c % 6 == 0 ? 1 : rng.Next(1, 6);
            int n = c % 5 == 0 ? 300 + rng.Next(3) : KernelCases.NeuronCounts[rng.Next(KernelCases.NeuronCounts.Length)];
            cases.Add(EmulationCases.Make(o, ScalarType.Float32, steps, n, rng));
            c++;
        }
        Assert.Equal(60, cases.Count);
        EmulationAssert.MatchesReference(cases, CudaEmulator.Run(cases), storageTolerance: 0);
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
        EmulationAssert.MatchesReference(cases, CudaEmulator.Run(cases), storageTolerance: 0);
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
        EmulationAssert.MatchesReference(cases, CudaEmulator.Run(cases), epsilon);
    }
}
