using System.Runtime.InteropServices;
using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels.Cuda;

/// <summary>Run-time binding, library search, availability, tensor addresses, dispatch isolation and kernel specs, without a GPU.</summary>
public class CudaRuntimeTests
{
    public CudaRuntimeTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Nvrtc_is_searched_in_libtorch_then_the_pip_wheel_then_LD_LIBRARY_PATH_then_the_system_loader()
    {
        var files = new HashSet<string>
        {
            "/py/site-packages/torch/lib/libnvrtc.so.12",
            "/py/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12",
            "/py/site-packages/nvidia/cu13/lib/libnvrtc.so.13",
            "/opt/cuda/lib64/libnvrtc.so",
            "/opt/cuda/lib64/libnvrtc.so.13",
        };
        var listing = new Dictionary<string, string[]>
        {
            ["/py/site-packages/torch/lib"] = ["libnvrtc.so.12", "libnvrtc-builtins-7a8b.so.12.8", "libnvrtc-d833c4f3.so.12", "libtorch.so"],
        };
        var found = CudaLibrarySearch.NvrtcCandidates("/py/site-packages/torch/lib", "/opt/cuda/lib64::/missing",
            files.Contains, d => listing.GetValueOrDefault(d, []));
        Assert.Equal(new[]
        {
            "/py/site-packages/torch/lib/libnvrtc.so.12",
            "/py/site-packages/torch/lib/libnvrtc-d833c4f3.so.12",
            "/py/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12",
            "/py/site-packages/nvidia/cu13/lib/libnvrtc.so.13",
            "/opt/cuda/lib64/libnvrtc.so.13",
            "/opt/cuda/lib64/libnvrtc.so",
            "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so",
        }, found);
    }

    [Fact]
    public void Prepare_without_a_gpu_names_why_the_kernel_cannot_run()
    {
        if (CudaRuntime.Availability.Available) return;   // on a GPU machine the GPU tests compile through Prepare
        var spec = new CudaKernelSpec(new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4 }, ScalarType.Float32, runtimeVThreshold: false, runtimePlifA: false);
        var e = Assert.Throws<CudaException>(() => CudaNeuronKernel.Prepare(spec));
        Assert.Equal($"the CUDA neuron kernel cannot run: {CudaRuntime.Availability.Reason}", e.Message);
    }

    [Fact]
    public void Without_environment_only_the_system_loader_names_remain()
    {
        var found = CudaLibrarySearch.NvrtcCandidates(null, null, _ => true, _ => []);
        Assert.Equal(new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" }, found);
    }

    [Fact]
    public void Availability_is_computed_once_and_names_the_missing_driver()
    {
        var a = CudaRuntime.Availability;
        Assert.Equal(a, CudaRuntime.Availability);
        Assert.False(string.IsNullOrWhiteSpace(a.Reason));
        Assert.DoesNotContain('\n', a.Reason);
        bool driver = CudaLibrarySearch.DriverNames.Any(n => NativeLibrary.TryLoad(n, out _));
        if (!driver)
        {
            Assert.False(a.Available);
            Assert.Equal("libcuda.so.1 not found (no NVIDIA driver)", a.Reason);
        }
        else if (a.Available) Assert.StartsWith("CUDA driver ", a.Reason);
    }

    [Fact]
    public unsafe void The_data_pointer_is_the_address_of_the_first_element_including_the_view_offset()
    {
        using var scope = NewDisposeScope();
        var t = arange(0, 24, dtype: float32).reshape(4, 6);
        fixed (byte* p = t.bytes)
        {
            Assert.Equal((nint)p, TensorMemory.DataPointer(t));
            var row = t[2];                       // a view 12 floats into the same storage
            Assert.Equal((nint)p + 12 * sizeof(float), TensorMemory.DataPointer(row));
        }
    }

    [Fact]
    public void Cpu_dispatch_is_unchanged_and_never_records_a_cuda_fallback()
    {
        using var scope = NewDisposeScope();
        var before = NeuronDispatch.LastFallbackReason;
        Assert.Equal(NeuronBackend.Fused, NeuronDispatch.Choose(zeros([2, 3]), NeuronBackend.Auto, storeMembrane: false));
        Assert.Equal(NeuronBackend.Reference, NeuronDispatch.Choose(zeros([2, 3], float64), NeuronBackend.Auto, storeMembrane: false));
        Assert.Equal(NeuronBackend.Reference, NeuronDispatch.Choose(zeros([2, 3], float16), NeuronBackend.Auto, storeMembrane: false));
        Assert.True(NeuronDispatch.HasFusedKernel(zeros([2, 3])));
        Assert.False(NeuronDispatch.HasFusedKernel(zeros([2, 3], bfloat16)));
        Assert.Equal(before, NeuronDispatch.LastFallbackReason);
    }

    [Fact]
    public void Specs_are_validated_and_every_option_changes_the_entry_name()
    {
        var o = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4 };
        Assert.Contains("power of two", Assert.Throws<ArgumentException>(() => new CudaKernelSpec(o, ScalarType.Float32, false, false, 48)).Message);
        Assert.Contains("float32, float16 or bfloat16", Assert.Throws<ArgumentException>(() => new CudaKernelSpec(o, ScalarType.Float64, false, false)).Message);
        var baseSpec = new CudaKernelSpec(o, ScalarType.Float32, false, false);
        Assert.Equal(CudaKernelSource.Forward(baseSpec), CudaKernelSource.Forward(new CudaKernelSpec(o, ScalarType.Float32, false, false)));
        var variants = new[]
        {
            baseSpec,
            new CudaKernelSpec(o with { Levels = 3 }, ScalarType.Float32, false, false),
            new CudaKernelSpec(o with { Reset = ResetMode.Hard }, ScalarType.Float32, false, false),
            new CudaKernelSpec(o with { DetachReset = true }, ScalarType.Float32, false, false),
            new CudaKernelSpec(o with { Surrogate = new Sigmoid() }, ScalarType.Float32, false, false),
            new CudaKernelSpec(o with { VThreshold = 0.5 }, ScalarType.Float32, false, false),
            new CudaKernelSpec(o, ScalarType.Float16, false, false),
            new CudaKernelSpec(o, ScalarType.Float32, true, false),
            new CudaKernelSpec(o, ScalarType.Float32, false, false, 128),
        };
        var names = variants.Select(s => CudaKernelSource.Backward(s).EntryName).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(variants, s => Assert.DoesNotContain("#include", CudaKernelSource.Forward(s).Source));
        Assert.StartsWith("mtsnn_fwd_", CudaKernelSource.Forward(baseSpec).EntryName);
    }

    [Fact]
    public void A_surrogate_without_a_cuda_form_is_refused_by_name()
    {
        var spec = new CudaKernelSpec(new NeuronOptions { Surrogate = new CustomSurrogate() }, ScalarType.Float32, false, false);
        Assert.Contains("CustomSurrogate", Assert.Throws<NotSupportedException>(() => CudaKernelSource.Backward(spec)).Message);
    }

    private sealed record CustomSurrogate : Surrogate
    {
        public override Tensor Derivative(Tensor u) => u.sigmoid();
        public override float Derivative(float u) => 1f / (1f + MathF.Exp(-u));
    }
}
