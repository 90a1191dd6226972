namespace MtSnn.Runtime.Counting;

/// <summary>
/// Operation counts of one engine, per layer (<see cref="Layers"/>, by graph index) and in total, summed over
/// the inferences it was passed to. Not thread-safe: give each thread its own and <see cref="Add"/> them.
/// </summary>
public sealed class OpCounts
{
    private LayerCounts[] _layers = [];

    /// <summary>Per-layer counts (empty until the first inference that used this object).</summary>
    public IReadOnlyList<LayerCounts> Layers => _layers;
    /// <summary>Number of inferences counted.</summary>
    public long Inferences { get; internal set; }
    /// <summary>Time steps T of the model.</summary>
    public int TimeSteps { get; internal set; }

    /// <summary>Total additions (SOPs and merge additions included).</summary>
    public long Additions => _layers.Sum(l => l.Additions);
    /// <summary>Total comparisons.</summary>
    public long Comparisons => _layers.Sum(l => l.Comparisons);
    /// <summary>Total multiplications outside MACs, leak and read-out.</summary>
    public long Multiplications => _layers.Sum(l => l.Multiplications);
    /// <summary>Total leak multiplications.</summary>
    public long LeakMultiplications => _layers.Sum(l => l.LeakMultiplications);
    /// <summary>Total shifts.</summary>
    public long Shifts => _layers.Sum(l => l.Shifts);
    /// <summary>Total weight reads.</summary>
    public long WeightReads => _layers.Sum(l => l.WeightReads);
    /// <summary>Total MACs performed.</summary>
    public long MacsPerformed => _layers.Sum(l => l.MacsPerformed);
    /// <summary>Total MACs by convention (first layer x T).</summary>
    public long MacsConvention => _layers.Sum(l => l.MacsConvention);
    /// <summary>Total merge additions.</summary>
    public long MergeAdditions => _layers.Sum(l => l.MergeAdditions);
    /// <summary>Total SOPs.</summary>
    public long Sops => _layers.Sum(l => l.Sops);
    /// <summary>Total SOPs by the integer-count convention.</summary>
    public long IntegerSops => _layers.Sum(l => l.IntegerSops);
    /// <summary>Total read-out multiplications.</summary>
    public long ReadoutMultiplications => _layers.Sum(l => l.ReadoutMultiplications);

    internal void EnsureLayout(IReadOnlyList<(string Op, int Levels)> layout, int timeSteps)
    {
        if (_layers.Length == layout.Count && TimeSteps == timeSteps) return;
        if (_layers.Length != 0) throw new ArgumentException($"these counts belong to another model ({_layers.Length} layers, the engine has {layout.Count}); use a new OpCounts");
        _layers = [.. layout.Select((l, i) => new LayerCounts(i, l.Op, l.Levels))];
        TimeSteps = timeSteps;
    }

    internal LayerCounts this[int layer] => _layers[layer];

    /// <summary>Adds another object's counts (same model) into this one.</summary>
    public void Add(OpCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._layers.Length == 0) return;
        EnsureLayout([.. other._layers.Select(l => (l.Op, l.LevelSops.Length))], other.TimeSteps);
        for (int i = 0; i < _layers.Length; i++)
        {
            var a = _layers[i]; var b = other._layers[i];
            a.Additions += b.Additions; a.Comparisons += b.Comparisons; a.Multiplications += b.Multiplications;
            a.LeakMultiplications += b.LeakMultiplications; a.Shifts += b.Shifts; a.WeightReads += b.WeightReads;
            a.MacsPerformed += b.MacsPerformed; a.MacsConvention += b.MacsConvention; a.MergeAdditions += b.MergeAdditions;
            a.Sops += b.Sops; a.IntegerSops += b.IntegerSops; a.ReadoutMultiplications += b.ReadoutMultiplications;
            a.NeuronSteps += b.NeuronSteps; a.ActiveNeuronSteps += b.ActiveNeuronSteps;
            for (int k = 0; k < a.LevelSops.Length; k++)
            {
                a.LevelSops[k] += b.LevelSops[k]; a.LevelMergeAdditions[k] += b.LevelMergeAdditions[k]; a.LevelSpikes[k] += b.LevelSpikes[k];
            }
        }
        Inferences += other.Inferences;
    }
}
