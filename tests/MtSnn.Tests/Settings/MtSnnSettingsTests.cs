using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Native;
using MtSnn.Settings;
using MtSnn.Tests.Cli;
using Xunit;

namespace MtSnn.Tests.Settings;

/// <summary>
/// The one settings object: every <c>MTSNN_*</c> variable parsed once, bad values kept as one-line errors (never thrown
/// while building, so no static initialiser fails), read through the owners' properties, overridable per test flow
/// without touching the process environment, and printed in full by <c>mtsnn doctor</c>.
/// </summary>
public class MtSnnSettingsTests
{
    private static MtSnnSettings From(Dictionary<string, string> vars) => MtSnnSettings.FromVariables(k => vars.TryGetValue(k, out var v) ? v : null);

    [Fact]
    public void Every_variable_MtSnn_reads_is_listed_once()
    {
        Assert.Equal(["MTSNN_NEURON_BACKEND", "MTSNN_CPU_VECTOR_BITS", "MTSNN_CUDA_BACKWARD", "MTSNN_MALLOC", "MTSNN_MALLOC_CAP",
            "MTSNN_HUGEPAGES", "MTSNN_LIBTORCH", "MTSNN_CACHE", "MTSNN_DATA", "MTSNN_MPI_LIB", "MTSNN_NCCL_LIB"], MtSnnSettings.Variables);
        Assert.Equal(MtSnnSettings.Variables, From([]).All.Select(s => s.Variable));
    }

    [Fact]
    public void Unset_variables_give_the_documented_defaults()
    {
        var s = From([]);
        s.Validate();
        Assert.All(s.All, x => Assert.Equal(SettingSource.Default, x.Source));
        Assert.Equal(NeuronBackend.Auto, s.NeuronBackend);
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512 : 256, s.CpuVectorBits);
        Assert.Equal(BackwardState.StoreH, s.CudaBackward);
        Assert.Equal(CpuAllocator.PlatformDefault, s.Allocator);
        Assert.Null(s.AllocatorCap);   // the mode's default: CpuAllocator.DefaultCap
        Assert.Equal(MtSnnSettings.UserCacheRoot(), s.CacheRoot);
        Assert.Null(s.LibTorchDir);
        Assert.Null(s.DataRoot);
        Assert.Null(s.MpiLibrary);
        Assert.Null(s.NcclLibrary);
        Assert.Equal("MTSNN_NEURON_BACKEND = auto (unset, the default: auto; allowed: auto, reference, fused)", s[NeuronDispatch.Variable].ToString());
        Assert.StartsWith("MTSNN_DATA = unset (unset, the default: ", s["MTSNN_DATA"].ToString());
    }

    [Fact]
    public void Set_variables_are_parsed_by_their_owners_rules()
    {
        var s = From(new()
        {
            ["MTSNN_NEURON_BACKEND"] = " Fused ", ["MTSNN_CPU_VECTOR_BITS"] = "256", ["MTSNN_CUDA_BACKWARD"] = "recompute",
            ["MTSNN_MALLOC"] = "system", ["MTSNN_MALLOC_CAP"] = "300M", ["MTSNN_HUGEPAGES"] = "off", ["MTSNN_LIBTORCH"] = "/opt/torch/lib", ["MTSNN_CACHE"] = "/tmp/c",
            ["MTSNN_DATA"] = "/data", ["MTSNN_MPI_LIB"] = "/x/libmpi.so", ["MTSNN_NCCL_LIB"] = "/y/libnccl.so.2",
        });
        s.Validate();
        Assert.All(s.All, x => Assert.Equal(SettingSource.Environment, x.Source));
        Assert.Equal(NeuronBackend.Fused, s.NeuronBackend);
        Assert.Equal(256, s.CpuVectorBits);
        Assert.Equal(BackwardState.Recompute, s.CudaBackward);
        Assert.Equal(CpuAllocatorMode.System, s.Allocator);
        Assert.Equal(300L << 20, s.AllocatorCap);
        Assert.False(s.UseHugePages);
        Assert.Equal("/opt/torch/lib", s.LibTorchDir);
        Assert.Equal("/tmp/c", s.CacheRoot);
        Assert.Equal("/data", s.DataRoot);
        Assert.Equal("/x/libmpi.so", s.MpiLibrary);
        Assert.Equal("/y/libnccl.so.2", s.NcclLibrary);
        Assert.Equal("MTSNN_MALLOC_CAP = 300 MiB (from the environment, '300M'; allowed: " + CpuAllocator.CapAllowed + ")", s["MTSNN_MALLOC_CAP"].ToString());
    }

    public static TheoryData<string, string, string> BadValues() => new()
    {
        { "MTSNN_NEURON_BACKEND", "bogus", "invalid MTSNN_NEURON_BACKEND 'bogus' (allowed: auto, reference, fused)" },
        { "MTSNN_CPU_VECTOR_BITS", "7", "invalid MTSNN_CPU_VECTOR_BITS '7' (allowed: 256, 512)" },
        { "MTSNN_CUDA_BACKWARD", "fast", "invalid MTSNN_CUDA_BACKWARD 'fast' (allowed: store, recompute, auto)" },
        { "MTSNN_MALLOC", "keep", "invalid MTSNN_MALLOC 'keep' (allowed: capped, retain, system, cache)" },
        { "MTSNN_MALLOC_CAP", "lots", "invalid MTSNN_MALLOC_CAP 'lots' (allowed: " },
        { "MTSNN_HUGEPAGES", "maybe", "invalid MTSNN_HUGEPAGES 'maybe' (allowed: on, off)" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_kept_as_one_line_naming_the_variable_and_thrown_where_it_is_read(string variable, string value, string message)
    {
        var s = From(new() { [variable] = value });   // building never throws
        var setting = s[variable];
        Assert.NotNull(setting.Error);
        Assert.StartsWith(message, setting.Error!.Message);
        Assert.DoesNotContain('\n', setting.Error.Message);
        Assert.Equal(setting.Error.Message, setting.ToString());
        Assert.Same(setting.Error, Assert.Throws<SettingException>(s.Validate));
        Assert.Same(setting.Error, Assert.Throws<SettingException>(() => variable switch
        {
            "MTSNN_NEURON_BACKEND" => (object)s.NeuronBackend,
            "MTSNN_CPU_VECTOR_BITS" => s.CpuVectorBits,
            "MTSNN_CUDA_BACKWARD" => s.CudaBackward,
            "MTSNN_MALLOC" => s.Allocator,
            "MTSNN_MALLOC_CAP" => s.AllocatorCap,
            "MTSNN_HUGEPAGES" => s.UseHugePages,
            _ => throw new ArgumentException(variable),
        }));
        // the other settings still read
        Assert.All(s.All.Where(x => x.Variable != variable), x => Assert.Null(x.Error));
    }

    [Fact]
    public void Asking_for_512_bits_without_hardware_support_is_a_setting_error_too()
    {
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return;   // 512 is allowed here
        var e = Assert.Throws<SettingException>(() => From(new() { ["MTSNN_CPU_VECTOR_BITS"] = "512" }).CpuVectorBits);
        Assert.Contains("allowed here: 256", e.Message);
    }

    [Fact]
    public void Validate_reports_the_first_bad_variable_in_the_listed_order()
    {
        var s = From(new() { ["MTSNN_MALLOC"] = "keep", ["MTSNN_NEURON_BACKEND"] = "bogus" });
        Assert.StartsWith("invalid MTSNN_NEURON_BACKEND", Assert.Throws<SettingException>(s.Validate).Message);
    }

    [Fact]
    public void A_typo_in_the_neuron_backend_is_a_setting_error_not_a_type_initialisation_failure()
    {
        using (MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_NEURON_BACKEND"] = "fsued" }))
        {
            var e = Assert.Throws<SettingException>(() => NeuronDispatch.Default);
            Assert.Equal("invalid MTSNN_NEURON_BACKEND 'fsued' (allowed: auto, reference, fused)", e.Message);
            using var scope = TorchSharp.torch.NewDisposeScope();
            var x = TorchSharp.torch.zeros(2, 3);
            Assert.Throws<SettingException>(() => NeuronDispatch.MultiStep(x, TorchSharp.torch.zeros(3), new MtSnn.Neurons.NeuronOptions(), null, null, false, false));
        }
        _ = NeuronDispatch.Default;   // the scope is gone: the process's setting again
    }

    [Fact]
    public void A_bad_setting_ends_any_command_with_one_error_line_and_exit_2()
    {
        using var _ = MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_NEURON_BACKEND"] = "fsued" });
        foreach (var args in new[] { new[] { "doctor" }, ["bench", "neuron", "-N", "64", "--T", "1", "--repeats", "1", "--no-reference"] })
        {
            var r = CliRunner.Run(args);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Equal("mtsnn: error: invalid MTSNN_NEURON_BACKEND 'fsued' (allowed: auto, reference, fused)", Assert.Single(r.ErrorLines).TrimEnd('\r'));
            Assert.Equal("", r.StdOut);
        }
    }

    [Fact]
    public void An_override_applies_to_its_own_flow_only_and_ends_with_its_scope()
    {
        var before = MtSnnSettings.Current;
        using (MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_DATA"] = "/override/data", ["MTSNN_LIBTORCH"] = null }))
        {
            var s = MtSnnSettings.Current;
            Assert.Equal("/override/data", s.DataRoot);
            Assert.Equal("/override/data", new MtSnn.Data.DatasetOptions().EnvironmentDir);
            Assert.Equal(SettingSource.Override, s["MTSNN_DATA"].Source);
            Assert.Null(s.LibTorchDir);
            Assert.StartsWith("MTSNN_LIBTORCH = unset (unset by an override, the default: ", s["MTSNN_LIBTORCH"].ToString());
            Assert.Equal(before["MTSNN_CACHE"].Raw, s["MTSNN_CACHE"].Raw);   // the rest as before
            using (MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_CUDA_BACKWARD"] = "recompute" }))
            {
                Assert.Equal("/override/data", MtSnnSettings.Current.DataRoot);   // nested scopes add up
                Assert.Equal(BackwardState.Recompute, CudaBackwardPolicy.Default);
            }
            Assert.Same(s, MtSnnSettings.Current);
            MtSnnSettings? elsewhere = null;
            var thread = new Thread(() => elsewhere = MtSnnSettings.Current);
            using (ExecutionContext.SuppressFlow()) thread.Start();
            thread.Join();
            Assert.Same(before, elsewhere);   // another flow (another test's thread) keeps the process's settings
        }
        Assert.Same(before, MtSnnSettings.Current);
        Assert.Throws<ArgumentException>(() => MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_BOGUS"] = "1" }));
    }

    [Fact]
    public void The_allocator_reads_the_settings_object()
    {
        using (MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_MALLOC"] = "system", ["MTSNN_MALLOC_CAP"] = "2G" }))
        {
            Assert.Equal(CpuAllocatorMode.System, CpuAllocator.Mode);
            Assert.Equal(2L << 30, CpuAllocator.Cap);
        }
        using (MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_MALLOC"] = "keep" }))
            Assert.StartsWith("invalid MTSNN_MALLOC 'keep'", Assert.Throws<SettingException>(() => CpuAllocator.Mode).Message);
    }

    [Fact]
    public void Doctor_prints_every_setting_with_its_value_and_where_it_came_from()
    {
        using var _ = MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_DATA"] = "/override/data", ["MTSNN_CPU_VECTOR_BITS"] = "256", ["MTSNN_MPI_LIB"] = null });
        var r = CliRunner.Run("doctor");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.StdOut.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int at = lines.IndexOf("settings:");
        Assert.True(at >= 0, r.StdOut);
        Assert.Equal(MtSnnSettings.Variables.Select(v => $"  {MtSnnSettings.Current[v]}"), lines.Skip(at + 1).Take(MtSnnSettings.Variables.Count));
        Assert.Contains("  MTSNN_DATA = /override/data (from an override, '/override/data'; allowed: ", r.StdOut);
        Assert.Contains("  MTSNN_CPU_VECTOR_BITS = 256 (from an override, '256'; allowed: 256, 512)", r.StdOut);
        Assert.Contains("  MTSNN_MPI_LIB = unset (unset by an override, the default: libmpi.so.40, then libmpi.so, from the system loader; allowed: ", r.StdOut);
        Assert.Contains("CPU kernel:  256-bit vectors (8 float lanes, MTSNN_CPU_VECTOR_BITS=256; ", r.StdOut);   // the width line reads the same object
    }

    [Fact]
    public void Downloads_without_a_data_folder_go_to_the_cache_folder_MTSNN_CACHE_names()
    {
        var none = new MtSnn.Data.DatasetOptions { EnvironmentDir = null };
        using (MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_CACHE"] = "/scratch/mtsnn-cache" }))
            Assert.Equal(Path.Combine("/scratch/mtsnn-cache", "fashion-mnist"), none.DownloadDirFor("fashion-mnist"));
        using (MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_CACHE"] = null }))
            Assert.Equal(Path.Combine(MtSnnSettings.UserCacheRoot(), "mnist"), none.DownloadDirFor("mnist"));
        // an explicit folder still wins over the cache
        using (MtSnnSettings.Override(new Dictionary<string, string?> { ["MTSNN_CACHE"] = "/scratch/mtsnn-cache" }))
        {
            Assert.Equal("/data/fm", (none with { Dir = "/data/fm" }).DownloadDirFor("fashion-mnist"));
            Assert.Equal(Path.Combine("/root-data", "mnist"), (none with { EnvironmentDir = "/root-data" }).DownloadDirFor("mnist"));
        }
    }
}
