namespace MtSnn.Export;

/// <summary>
/// Analytic operation counts of one graph layer, summed over the images given to a <see cref="SopEstimator"/>.
/// Synaptic layers reading spikes: <c>SOPs = sum_t sum_k sum_i S_k[t, i] fan_out(i)</c>; synaptic layers reading
/// real values (the first layer): <c>MACs = T x dense MACs</c>. Neuron layers: spikes per level and neuron-steps.
/// </summary>
public sealed class LayerEstimate
{
    internal LayerEstimate(int index, string op, int planes)
    {
        Index = index;
        Op = op;
        LevelSops = new long[planes];
        LevelSpikes = new long[planes];
    }

    /// <summary>Graph layer index.</summary>
    public int Index { get; }
    /// <summary>Graph op name.</summary>
    public string Op { get; }
    /// <summary>Synaptic operations (one accumulate per input spike, level and synapse).</summary>
    public long Sops { get; internal set; }
    /// <summary>SOPs by the I-LIF integer-count convention: a spike of level k charged as <c>lambda_k / lambda_min</c> events.</summary>
    public long IntegerSops { get; internal set; }
    /// <summary>SOPs per input plane (synaptic layers), in the order the layer reads its planes.</summary>
    public long[] LevelSops { get; }
    /// <summary>MACs by the literature's convention (layers reading real values, charged T times).</summary>
    public long MacsConvention { get; internal set; }
    /// <summary>Spikes per level (neuron layers): <c>sum_t nnz(S_k[t])</c>.</summary>
    public long[] LevelSpikes { get; }
    /// <summary>Neuron-steps (neurons x T x images) of a neuron layer.</summary>
    public long NeuronSteps { get; internal set; }
    /// <summary>Neuron-steps in which at least one level fired.</summary>
    public long ActiveNeuronSteps { get; internal set; }
    /// <summary>Fraction of neuron-steps in which any level fired (0 for other layers).</summary>
    public double FiringRate => NeuronSteps == 0 ? 0 : (double)ActiveNeuronSteps / NeuronSteps;
}

/// <summary>The analytic counts of every graph layer and their totals, over <see cref="Images"/> images.</summary>
public sealed class SopEstimate
{
    internal SopEstimate(LayerEstimate[] layers, int timeSteps)
    {
        Layers = layers;
        TimeSteps = timeSteps;
    }

    /// <summary>Per graph layer.</summary>
    public IReadOnlyList<LayerEstimate> Layers { get; }
    /// <summary>Time steps T.</summary>
    public int TimeSteps { get; }
    /// <summary>Images counted.</summary>
    public long Images => ImageSops.Count;
    /// <summary>Total SOPs of each image, in the order they were added.</summary>
    public List<long> ImageSops { get; } = [];
    /// <summary>Spikes of each image per neuron layer and level (layers in graph order, levels within), in the order the images were added.</summary>
    public List<long[]> ImageSpikes { get; } = [];

    /// <summary>Every layer's spikes per level so far, concatenated in graph order.</summary>
    internal long[] SpikeVector() => [.. Layers.SelectMany(l => l.LevelSpikes)];
    /// <summary>Total SOPs.</summary>
    public long Sops => Layers.Sum(l => l.Sops);
    /// <summary>Total integer-convention SOPs.</summary>
    public long IntegerSops => Layers.Sum(l => l.IntegerSops);
    /// <summary>Total MACs by convention.</summary>
    public long MacsConvention => Layers.Sum(l => l.MacsConvention);
}
