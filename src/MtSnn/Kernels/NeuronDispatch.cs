using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using MtSnn.Settings;
using static TorchSharp.torch;

namespace MtSnn.Kernels;

/// <summary>Which implementation runs the neuron.</summary>
public enum NeuronBackend
{
    /// <summary>
    /// The fused kernel where one exists for the tensor (CPU float32; CUDA float32/float16/bfloat16 when
    /// <see cref="CudaRuntime.Availability"/> is true), else the composed reference.
    /// </summary>
    Auto,
    /// <summary>Always the composed reference (<see cref="ReferenceNeuron"/>), the oracle.</summary>
    Reference,
    /// <summary>Always the fused kernel; a tensor it cannot take is an error, never a silent fallback.</summary>
    Fused,
}

/// <summary>
/// The one place that decides, per call, between the fused kernels and the composed reference:
/// CPU float32 → <see cref="CpuNeuronKernel"/>, CUDA float32/float16/bfloat16 → <see cref="CudaNeuronKernel"/> when the
/// CUDA runtime is available (both through <see cref="FusedNeuron"/>); a CUDA tensor without it runs the reference, and
/// the reason is kept in <see cref="LastFallbackReason"/> and printed once to stderr; anything else, or a request for
/// the membrane sequence (an analysis feature only the reference records), → <see cref="ReferenceNeuron"/>.
/// <see cref="Default"/> (or <c>MTSNN_NEURON_BACKEND=auto|reference|fused</c>) forces a choice for the process.
/// </summary>
public static class NeuronDispatch
{
    /// <summary>Environment variable that sets <see cref="Default"/> at start-up.</summary>
    public const string Variable = "MTSNN_NEURON_BACKEND";

    /// <summary>The allowed values of <see cref="Variable"/>, for messages.</summary>
    public const string AllowedValues = "auto, reference, fused";

    /// <summary>
    /// The backend used when a module asks for <see cref="NeuronBackend.Auto"/>: the value set here, else
    /// <see cref="MtSnnSettings.NeuronBackend"/> (<c>MTSNN_NEURON_BACKEND</c>, parsed once with the other settings).
    /// </summary>
    /// <exception cref="SettingException">Nothing was set here and the environment variable holds another value.</exception>
    public static NeuronBackend Default
    {
        get => _default ?? MtSnnSettings.Current.NeuronBackend;
        set => _default = value;
    }

    private static NeuronBackend? _default;

    /// <summary>Parses a backend name (null or empty: Auto).</summary>
    public static NeuronBackend Parse(string? name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "auto" => NeuronBackend.Auto,
        "reference" or "ref" => NeuronBackend.Reference,
        "fused" => NeuronBackend.Fused,
        _ => throw new ArgumentException($"invalid {Variable} '{name}' (allowed: {AllowedValues})"),
    };

    /// <summary>Why the last Auto choice ran the reference instead of a fused kernel it would otherwise have used (a CUDA tensor without the runtime, a custom surrogate; null: it has not happened).</summary>
    public static string? LastFallbackReason { get; private set; }

    private static int _noticePrinted;

    /// <summary>Whether a fused kernel exists for this input.</summary>
    public static bool HasFusedKernel(Tensor x) =>
        (x.device_type == TorchSharp.DeviceType.CPU && x.dtype == ScalarType.Float32)
        || (IsCudaKernelInput(x) && CudaRuntime.Availability.Available);

    /// <summary>A CUDA tensor of a dtype the CUDA kernel stores (float32, float16, bfloat16).</summary>
    internal static bool IsCudaKernelInput(Tensor x) =>
        x.device_type == TorchSharp.DeviceType.CUDA && x.dtype is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>
    /// The backend that will run <paramref name="x"/> when <paramref name="requested"/> is asked for, with
    /// <paramref name="surrogate"/> (null: a built-in one). A surrogate the fused kernels have no form of
    /// (<see cref="Surrogates.HasFusedForm"/>: a user's own subclass) runs on the reference under auto, with one
    /// notice on stderr, and is refused under fused.
    /// </summary>
    public static NeuronBackend Choose(Tensor x, NeuronBackend requested, bool storeMembrane, Surrogate? surrogate = null)
    {
        var b = requested == NeuronBackend.Auto ? Default : requested;
        bool known = surrogate is null || Surrogates.HasFusedForm(surrogate);
        return b switch
        {
            NeuronBackend.Reference => NeuronBackend.Reference,
            NeuronBackend.Fused when storeMembrane => throw new NotSupportedException("the fused neuron does not record the membrane sequence (StoreMembrane); use the reference backend"),
            NeuronBackend.Fused when !known => throw new NotSupportedException($"the fused neuron kernels have no form of surrogate {surrogate!.GetType().Name} (supported: {Surrogates.Names}); use the auto or reference backend"),
            NeuronBackend.Fused => NeuronBackend.Fused,
            NeuronBackend.Auto when !known => CustomSurrogateFallback(surrogate!),
            NeuronBackend.Auto => HasFusedKernel(x) && !storeMembrane ? NeuronBackend.Fused : AutoFallback(x),
            _ => throw new ArgumentOutOfRangeException(nameof(requested), b, $"unknown neuron backend {b}"),
        };
    }

    private static int _customNoticePrinted;

    /// <summary>The reference for a surrogate without a fused form, noting it once per process on stderr.</summary>
    private static NeuronBackend CustomSurrogateFallback(Surrogate surrogate)
    {
        LastFallbackReason = $"surrogate {surrogate.GetType().Name} has no fused kernel form (built in: {Surrogates.Names}); the composed reference runs";
        if (Interlocked.Exchange(ref _customNoticePrinted, 1) == 0) Console.Error.WriteLine($"mtsnn: notice: {LastFallbackReason}");
        return NeuronBackend.Reference;
    }

    /// <summary>The reference, noting (once on stderr) when a CUDA tensor missed the CUDA kernel for lack of the runtime.</summary>
    private static NeuronBackend AutoFallback(Tensor x)
    {
        if (IsCudaKernelInput(x) && CudaRuntime.Availability is { Available: false } a)
        {
            LastFallbackReason = $"the CUDA neuron kernel is unavailable ({a.Reason}); the composed reference runs";
            if (Interlocked.Exchange(ref _noticePrinted, 1) == 0) Console.Error.WriteLine($"mtsnn: notice: {LastFallbackReason}");
        }
        return NeuronBackend.Reference;
    }

    /// <summary>
    /// T steps of the neuron over <c>x [T, B, ...]</c> from <paramref name="v0"/>, by the chosen backend. The spike
    /// planes (<c>[T, K, B, ...]</c>, float 0/1, detached) are returned when <paramref name="recordSpikes"/> (the
    /// reference always has them).
    /// </summary>
    public static NeuronTrace MultiStep(Tensor x, Tensor v0, NeuronOptions o, Tensor? plifA, Tensor? vth,
        bool storeMembrane, bool recordSpikes, NeuronBackend backend = NeuronBackend.Auto) =>
        MultiStepResolved(x, v0, o.Resolve(), plifA, vth, storeMembrane, recordSpikes, backend);

    /// <summary><see cref="MultiStep(Tensor, Tensor, NeuronOptions, Tensor?, Tensor?, bool, bool, NeuronBackend)"/> on options resolved once (a module's).</summary>
    internal static NeuronTrace MultiStepResolved(Tensor x, Tensor v0, ResolvedNeuronOptions o, Tensor? plifA, Tensor? vth,
        bool storeMembrane, bool recordSpikes, NeuronBackend backend = NeuronBackend.Auto)
    {
        if (Choose(x, backend, storeMembrane, o.Options.Surrogate) == NeuronBackend.Reference)
            return ReferenceNeuron.MultiStepResolved(x, v0, o, plifA, vth, storeMembrane);
        var r = FusedNeuron.MultiStepResolved(x, v0, o, plifA, vth, withSpikes: recordSpikes);
        var spikes = r.Spikes?.to_type(x.dtype);
        return new NeuronTrace(r.Output, spikes, null, null, r.VLast);
    }
}
