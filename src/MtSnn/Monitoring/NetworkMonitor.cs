using MtSnn.Kernels;
using MtSnn.Neurons;
using MtSnn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Monitoring;

/// <summary>
/// Records what the spiking layers of a network do during its forward passes, in the spirit of SpikingJelly's
/// <c>monitor</c>: attach to a model, choose layers by module path (the names of <c>named_modules()</c> and
/// <c>state_dict</c>, e.g. <c>features.1</c>, <c>layer1.0.sn1</c>) or take every <see cref="MultiThresholdNode"/>,
/// run forwards as usual, read the records, detach.
/// <list type="bullet">
/// <item><see cref="Records"/>: per layer, per input sequence (the calls between two state resets, as
/// <see cref="SpikingFunctional.ResetNet"/> does between batches) the spike planes <c>S_k[t, s, n]</c> of every level
/// of the first samples and, with <see cref="MonitorOptions.RecordMembrane"/>, <c>H[t, s, n]</c> and <c>V[t, s, n]</c>;
/// bounded by <see cref="MonitorOptions.MaxSamples"/> and <see cref="MonitorOptions.MaxSteps"/>.</item>
/// <item><see cref="FiringRates"/>: per layer and level, <c>rate_k = mean over every call, step, sample and neuron of S_k</c>.</item>
/// </list>
/// Records are copied to managed arrays inside the node's own dispose scope, so a monitor holds no tensor and works
/// under any <c>torch.NewDisposeScope()</c>. The records are the same on the fused and the reference backends (the
/// spikes are the same planes). Not thread-safe: one forward at a time. <see cref="Dispose"/> detaches.
/// </summary>
/// <example><code>
/// using var monitor = NetworkMonitor.Attach(model, ["features.1"], new MonitorOptions { MaxSamples = 2 });
/// SpikingFunctional.ResetNet(model);
/// model.forward(x);
/// var record = monitor.Records("features.1")[0];   // record.Spike(t, k, sample, neuron)
/// </code></example>
public sealed class NetworkMonitor : IDisposable
{
    private readonly List<LayerTap> _taps;
    private bool _attached = true;

    private NetworkMonitor(List<LayerTap> taps, MonitorOptions options)
    {
        _taps = taps;
        Options = options;
        foreach (var tap in _taps) tap.Node.AddObserver(tap);
    }

    /// <summary>Attaches to every <see cref="MultiThresholdNode"/> of <paramref name="model"/> (the model itself included).</summary>
    public static NetworkMonitor Attach(nn.Module model, MonitorOptions? options = null) => Attach(model, SpikingLayerNames(model), options);

    /// <summary>
    /// Attaches to the spiking layers of <paramref name="model"/> named in <paramref name="layers"/> (module paths; the
    /// order given is the order of <see cref="Layers"/>). Throws <see cref="ArgumentException"/> for an unknown or repeated
    /// name, a module that is not a <see cref="MultiThresholdNode"/> (naming the spiking layers there are), bad options,
    /// or <see cref="MonitorOptions.RecordMembrane"/> on a node whose backend is forced to <see cref="NeuronBackend.Fused"/>.
    /// </summary>
    public static NetworkMonitor Attach(nn.Module model, IEnumerable<string> layers, MonitorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layers);
        options = (options ?? new MonitorOptions()).Validate();
        var nodes = SpikingNodes(model);
        var byName = nodes.ToDictionary(n => n.Name, n => n.Node);
        var taps = new List<LayerTap>();
        foreach (var name in layers)
        {
            if (!byName.TryGetValue(name, out var node))
                throw new ArgumentException($"no spiking layer named '{name}' (spiking layers: {(nodes.Count == 0 ? "none" : string.Join(", ", nodes.Select(n => n.Name)))})");
            if (taps.Exists(t => t.Name == name)) throw new ArgumentException($"spiking layer '{name}' is named twice");
            if (options.RecordMembrane && node.Backend == NeuronBackend.Fused)
                throw new ArgumentException($"spiking layer '{name}' runs the fused backend, which does not keep the membrane sequence; use the auto or reference backend to record membranes");
            taps.Add(new LayerTap(name, node, options));
        }
        return new NetworkMonitor(taps, options);
    }

    /// <summary>The module paths of every <see cref="MultiThresholdNode"/> of <paramref name="model"/>, in registration (forward) order; <c>""</c> for the model itself.</summary>
    public static IReadOnlyList<string> SpikingLayerNames(nn.Module model) => [.. SpikingNodes(model).Select(n => n.Name)];

    /// <summary>The options.</summary>
    public MonitorOptions Options { get; }

    /// <summary>The monitored layers' module paths.</summary>
    public IReadOnlyList<string> Layers => [.. _taps.Select(t => t.Name)];

    /// <summary>Whether the monitor still observes its layers (false after <see cref="Detach"/>).</summary>
    public bool IsAttached => _attached;

    /// <summary>
    /// The recorded sequences of <paramref name="layer"/> in order (the sequence still open, if any, included as recorded
    /// so far). Throws <see cref="ArgumentException"/> for a layer this monitor does not watch.
    /// </summary>
    public IReadOnlyList<MonitorRecord> Records(string layer) => Tap(layer).Records();

    /// <summary>Per monitored layer, the firing rate of each level over every call while attached (zeros before the first call).</summary>
    public IReadOnlyList<LayerRates> FiringRates => [.. _taps.Select(t => new LayerRates(t.Name, t.Rates()))];

    /// <summary>Forgets every record and rate; the sample budget starts again.</summary>
    public void Clear()
    {
        foreach (var tap in _taps) tap.Clear();
    }

    /// <summary>Stops observing (records and rates stay readable). Idempotent.</summary>
    public void Detach()
    {
        if (!_attached) return;
        _attached = false;
        foreach (var tap in _taps) tap.Node.RemoveObserver(tap);
    }

    /// <summary>Detaches.</summary>
    public void Dispose() => Detach();

    private LayerTap Tap(string layer) =>
        _taps.Find(t => t.Name == layer) ?? throw new ArgumentException($"this monitor does not watch '{layer}' (it watches: {string.Join(", ", _taps.Select(t => t.Name))})");

    private static List<(string Name, MultiThresholdNode Node)> SpikingNodes(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new List<(string, MultiThresholdNode)>();
        if (model is MultiThresholdNode self) result.Add(("", self));
        foreach (var (name, module) in model.named_modules())
            if (module is MultiThresholdNode node && !ReferenceEquals(module, model)) result.Add((name, node));
        return result;
    }

    /// <summary>The recorder of one layer.</summary>
    private sealed class LayerTap(string name, MultiThresholdNode node, MonitorOptions options) : INodeObserver
    {
        private readonly List<MonitorRecord> _closed = [];
        private Sequence? _open;
        private int _samplesTaken;
        private double[] _spikeSums = new double[node.Options.Levels];
        private double _elements;

        public string Name { get; } = name;
        public MultiThresholdNode Node { get; } = node;

        public bool WantsMembrane => options.RecordMembrane && (_open is { Full: false } || _open is null && _samplesTaken < options.MaxSamples);

        public void OnForward(MultiThresholdNode node, NeuronTrace trace)
        {
            var spikes = trace.Spikes ?? throw new InvalidOperationException($"layer {Name}: the neuron returned no spike planes");
            int levels = (int)spikes.shape[1];
            using (var scope = NewDisposeScope())
            {
                var sums = spikes.transpose(0, 1).reshape(levels, -1).sum([1], type: ScalarType.Float64).cpu().data<double>().ToArray();
                for (int k = 0; k < levels; k++) _spikeSums[k] += sums[k];
                _elements += spikes.numel() / levels;
            }
            if (_open is null && _samplesTaken < options.MaxSamples)
            {
                int samples = (int)Math.Min(spikes.shape[2], options.MaxSamples - _samplesTaken);
                _samplesTaken += samples;
                _open = new Sequence(_closed.Count, levels, samples, spikes.shape[3..], options.RecordMembrane);
            }
            _open?.Append(spikes, trace.H, trace.V, options.MaxSteps, Name);
        }

        public void OnReset(MultiThresholdNode node)
        {
            if (_open is null) return;
            _closed.Add(_open.Build(Name));
            _open = null;
        }

        public IReadOnlyList<MonitorRecord> Records() => _open is null ? [.. _closed] : [.. _closed, _open.Build(Name)];

        public double[] Rates() => [.. _spikeSums.Select(s => _elements == 0 ? 0 : s / _elements)];

        public void Clear()
        {
            _closed.Clear();
            _open = null;
            _samplesTaken = 0;
            _spikeSums = new double[_spikeSums.Length];
            _elements = 0;
        }
    }

    /// <summary>An input sequence being recorded: steps appended call by call.</summary>
    private sealed class Sequence(int index, int levels, int samples, long[] neuronShape, bool membrane)
    {
        private readonly List<byte> _spikes = [];
        private readonly List<float>? _h = membrane ? [] : null, _v = membrane ? [] : null;
        private int _steps;

        public bool Full { get; private set; }

        /// <summary>Appends the first samples of <paramref name="spikes"/> <c>[T, K, B, ...]</c> (and H, V <c>[T, B, ...]</c>), up to the step limit.</summary>
        public void Append(Tensor spikes, Tensor? h, Tensor? v, int maxSteps, string layer)
        {
            if (spikes.shape[2] < samples || !spikes.shape[3..].SequenceEqual(neuronShape))
                throw new InvalidOperationException($"layer {layer}: the input changed shape within a sequence; reset the network between batches (SpikingFunctional.ResetNet)");
            int take = (int)Math.Min(spikes.shape[0], maxSteps - _steps);
            if (take <= 0) { Full = true; return; }
            using var scope = NewDisposeScope();
            _spikes.AddRange(spikes[..take, .., ..samples].to_type(ScalarType.Byte).cpu().contiguous().data<byte>().ToArray());
            if (_h is not null && _v is not null)
            {
                if (h is null || v is null) throw new InvalidOperationException($"layer {layer}: the membrane was asked for but not returned by the neuron backend");
                _h.AddRange(h[..take, ..samples].to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray());
                _v.AddRange(v[..take, ..samples].to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray());
            }
            _steps += take;
            Full = _steps >= maxSteps;
        }

        public MonitorRecord Build(string layer) =>
            new(layer, index, levels, samples, neuronShape, _steps, [.. _spikes], _h is null ? null : [.. _h], _v is null ? null : [.. _v]);
    }
}
