using MtSnn.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Neurons;

/// <summary>
/// The multi-threshold spiking neuron layer (MT-SNN.md §2) on the composed reference (<see cref="ReferenceNeuron"/>):
/// per step <c>H = Charge(X, V)</c>, <c>S_k = Fire_k(H)</c>, <c>O = sum_k lambda_k S_k</c>, <c>V = Reset(H, S)</c>.
/// <para>
/// The output <c>O</c> is the graded spike in units of <c>V_th</c> (values in <see cref="NeuronOptions.OutputLevels"/>;
/// for <c>V_th = 1</c> it is also the absolute value). The membrane state <c>V</c> persists across calls until
/// <see cref="ResetState"/> (SpikingJelly semantics): a multi-step call over <c>[T, B, ...]</c> equals T single-step calls.
/// </para>
/// </summary>
public sealed class MultiThresholdNode : nn.Module<Tensor, Tensor>, IStatefulModule
{
    // Parameter fields carry their registered names: Module.to(...) swaps Parameter fields by reflection and
    // re-registers them under the field name. Every non-parameter tensor lives in _state (not a Tensor field),
    // so that Module.to(...) does not turn the membrane or the recordings into buffers.
#pragma warning disable IDE1006
    private Parameter? plif_a;
    private Parameter? v_threshold;
#pragma warning restore IDE1006
    private readonly NodeState _state = new();
    private double[]? _rates;   // LastLevelRates, read from _state.Rates on first access after a call
    private readonly List<INodeObserver> _observers = [];   // attached monitors (MtSnn.Monitoring.NetworkMonitor)

    /// <summary>Builds the layer; validates <paramref name="options"/> (throws <see cref="ArgumentException"/> on a bad value).</summary>
    public MultiThresholdNode(NeuronOptions options, string name = "mt_node") : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        _resolved = options.Resolve();
        Options = _resolved.Options;
        if (options.Dynamics == Dynamics.PLIF)
        {
            // sigmoid(a) = 1 / tau0
            plif_a = new Parameter(tensor((float)NeuronModel.InitialPlifA(options.Tau)));   // float32 like every other parameter; .to() converts
            register_parameter(nameof(plif_a), plif_a);
        }
        if (options.TrainableVThreshold)
        {
            v_threshold = new Parameter(tensor((float)options.VThreshold));
            register_parameter(nameof(v_threshold), v_threshold);
        }
    }

    /// <summary>The validated options.</summary>
    public NeuronOptions Options { get; }

    /// <summary>The options resolved once, at construction (they are immutable): what every call reads.</summary>
    private readonly ResolvedNeuronOptions _resolved;

    /// <summary>PLIF's trainable <c>a</c> (<c>1/tau = sigmoid(a)</c>, initialised to <c>-ln(tau0 - 1)</c>); null unless PLIF.</summary>
    public Parameter? PlifA => plif_a;

    /// <summary>The trainable <c>V_th</c> (thresholds <c>theta_k = V_th scale_k</c>); null unless <see cref="NeuronOptions.TrainableVThreshold"/>.</summary>
    public Parameter? VThresholdParam => v_threshold;

    /// <summary>When true, keep the per-level spike planes of the last call in <see cref="LastSpikes"/> and their rates.</summary>
    public bool RecordSpikes { get; set; }

    /// <summary>Spike planes of the last call, detached float 0/1: <c>[T, K, B, ...]</c> (single-step: <c>[K, B, ...]</c>); null unless <see cref="RecordSpikes"/>.</summary>
    public Tensor? LastSpikes => _state.Spikes;

    /// <summary>Pre-fire potentials <c>H</c> of the last call, shaped like the output, detached; null unless <see cref="NeuronOptions.StoreMembrane"/>.</summary>
    public Tensor? LastH => _state.H;

    /// <summary>Membranes <c>V</c> after reset of the last call, shaped like the output, detached; null unless <see cref="NeuronOptions.StoreMembrane"/>.</summary>
    public Tensor? LastV => _state.V;

    /// <summary>Which implementation runs this node (default Auto: the fused kernel where one exists, see <see cref="NeuronDispatch"/>).</summary>
    public NeuronBackend Backend { get; set; }

    /// <summary>
    /// Mean firing rate of each level <c>k = 1..K</c> over all steps and neurons of the last call; null unless
    /// <see cref="RecordSpikes"/>. Reading it copies <see cref="LastLevelRateTensor"/> to the host (on CUDA: waits for the device).
    /// </summary>
    public double[]? LastLevelRates
    {
        get
        {
            if (_state.Rates is null) return null;
            if (_rates is not null) return _rates;
            using var scope = NewDisposeScope();   // the host copy (the state itself lives outside any scope)
            return _rates = _state.Rates.cpu().data<double>().ToArray();
        }
    }

    /// <summary>
    /// <see cref="LastLevelRates"/> as a float64 <c>[K]</c> tensor on the input's device, <c>rate_k = mean over steps and
    /// neurons of S_k</c> (detached; owned by the node, valid until its next call); null unless <see cref="RecordSpikes"/>.
    /// </summary>
    public Tensor? LastLevelRateTensor => _state.Rates;

    /// <summary>
    /// Multi-step: <c>x</c> <c>[T, B, ...]</c> gives <c>O</c> <c>[T, B, ...]</c>; single-step: <c>x</c> <c>[B, ...]</c>
    /// gives <c>O</c> <c>[B, ...]</c>. Both start from the current state and leave <c>V[T-1]</c> as the new state.
    /// </summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        bool single = Options.StepMode == StepMode.Single;
        var seq = single ? x.unsqueeze(0) : x;
        if (seq.dim() < 1 || seq.shape[0] < 1) throw new ArgumentException($"multi-step input must be [T, B, ...] with T >= 1 (got shape [{string.Join(", ", x.shape)}])");
        var stepShape = seq.shape[1..];
        if (_state.Membrane is not null && !_state.Membrane.shape.SequenceEqual(stepShape))
            throw new ArgumentException($"input step shape [{string.Join(", ", stepShape)}] does not match the state [{string.Join(", ", _state.Membrane.shape)}]; call ResetState() between batches");
        var v0 = _state.Membrane ?? full(stepShape, _resolved.VInit, dtype: x.dtype, device: x.device);

        bool observed = _observers.Count > 0;
        bool membrane = Options.StoreMembrane || observed && _observers.Exists(o => o.WantsMembrane);
        var trace = NeuronDispatch.MultiStepResolved(seq, v0, _resolved, PlifA, VThresholdParam, membrane, RecordSpikes || observed, Backend);
        foreach (var observer in _observers) observer.OnForward(this, trace);

        Replace(ref _state.Membrane, trace.VLast);
        if (RecordSpikes)
        {
            int levels = Options.Levels;
            Replace(ref _state.Rates, trace.Spikes!.transpose(0, 1).reshape(levels, -1).mean([1]).to(float64));
            Replace(ref _state.Spikes, single ? trace.Spikes[0] : trace.Spikes);
        }
        else { Replace(ref _state.Spikes, null); Replace(ref _state.Rates, null); }
        _rates = null;
        bool keepMembrane = Options.StoreMembrane && trace.H is not null && trace.V is not null;
        Replace(ref _state.H, !keepMembrane ? null : single ? trace.H![0] : trace.H);
        Replace(ref _state.V, !keepMembrane ? null : single ? trace.V![0] : trace.V);
        return (single ? trace.O[0] : trace.O).MoveToOuterDisposeScope();
    }

    /// <summary>Forgets the membrane: the next call starts from <c>V[-1] = V_init</c>. Recorded tensors are kept.</summary>
    public void ResetState()
    {
        Replace(ref _state.Membrane, null);
        foreach (var observer in _observers) observer.OnReset(this);
    }

    /// <summary>Adds an observer that sees every call's trace and every reset (a monitor; not thread-safe).</summary>
    internal void AddObserver(INodeObserver observer) => _observers.Add(observer);

    /// <summary>Removes an observer added by <see cref="AddObserver"/>.</summary>
    internal void RemoveObserver(INodeObserver observer) => _observers.Remove(observer);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Replace(ref _state.Membrane, null);
            Replace(ref _state.Spikes, null);
            Replace(ref _state.H, null);
            Replace(ref _state.V, null);
            Replace(ref _state.Rates, null);
        }
        base.Dispose(disposing);
    }

    /// <summary>The tensors the node owns between calls (outside any dispose scope).</summary>
    private sealed class NodeState
    {
        public Tensor? Membrane, Spikes, H, V, Rates;
    }

    /// <summary>Owns <paramref name="value"/> (out of any dispose scope) in place of the old tensor, which is disposed.</summary>
    private static void Replace(ref Tensor? slot, Tensor? value)
    {
        slot?.Dispose();
        slot = value?.DetachFromDisposeScope();
    }
}
