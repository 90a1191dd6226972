namespace MtSnn.Runtime.Counting;

/// <summary>
/// Operations of one graph layer, counted where the arithmetic happens (summed over steps and inferences).
/// <see cref="Additions"/> includes every addition and subtraction: the SOPs, the merge additions, bias, leak,
/// reset and read-out sums. MACs are counted apart (not in <see cref="Additions"/> or <see cref="Multiplications"/>).
/// Per-level arrays are indexed by the level (neuron layers) or by the input spike plane (layers reading spikes).
/// </summary>
public sealed class LayerCounts
{
    internal LayerCounts(int index, string op, int levels)
    {
        Index = index;
        Op = op;
        LevelSops = new long[levels];
        LevelMergeAdditions = new long[levels];
        LevelSpikes = new long[levels];
    }

    /// <summary>Graph layer index.</summary>
    public int Index { get; }
    /// <summary>Graph op name.</summary>
    public string Op { get; }
    /// <summary>All additions and subtractions (SOPs and merge additions included).</summary>
    public long Additions { get; internal set; }
    /// <summary>Comparisons (threshold tests, max pooling).</summary>
    public long Comparisons { get; internal set; }
    /// <summary>Multiplications other than MACs, leak and read-out (e.g. a residual add of values whose scales differ by a non-power of two).</summary>
    public long Multiplications { get; internal set; }
    /// <summary>Leak multiplications <c>(.) / tau</c> of LIF/PLIF layers whose tau is not a power of two.</summary>
    public long LeakMultiplications { get; internal set; }
    /// <summary>Exponent shifts: the leak <c>/ 2^m</c> of LIF/PLIF with tau = 2^m, and power-of-two rescaling in residual adds.</summary>
    public long Shifts { get; internal set; }
    /// <summary>Weights read from memory (one per synaptic accumulate or MAC).</summary>
    public long WeightReads { get; internal set; }
    /// <summary>Multiply-accumulates actually performed (layers with real-valued input; a time-invariant layer runs once per inference).</summary>
    public long MacsPerformed { get; internal set; }
    /// <summary>MACs by the literature's convention: a time-invariant first layer is charged T times.</summary>
    public long MacsConvention { get; internal set; }
    /// <summary>Horner doublings / level-merge additions (included in <see cref="Additions"/>).</summary>
    public long MergeAdditions { get; internal set; }
    /// <summary>Synaptic operations: one accumulate per (input spike, level, target) (included in <see cref="Additions"/>).</summary>
    public long Sops { get; internal set; }
    /// <summary>SOPs by the I-LIF integer-count convention: a spike of level k charged as <c>lambda_k / lambda_min</c> unit events.</summary>
    public long IntegerSops { get; internal set; }
    /// <summary>Read-out multiplications: one per class per inference, <c>logit = sum_t X[t] (scale / T)</c>.</summary>
    public long ReadoutMultiplications { get; internal set; }
    /// <summary>Neuron-steps (neurons x T x inferences) of a neuron layer.</summary>
    public long NeuronSteps { get; internal set; }
    /// <summary>Neuron-steps in which at least one level fired.</summary>
    public long ActiveNeuronSteps { get; internal set; }
    /// <summary>SOPs per level / input plane.</summary>
    public long[] LevelSops { get; }
    /// <summary>Horner doublings charged to the level they precede.</summary>
    public long[] LevelMergeAdditions { get; }
    /// <summary>Spikes emitted per level (neuron layers): <c>sum_t nnz(S_k[t])</c>.</summary>
    public long[] LevelSpikes { get; }

    /// <summary>Fraction of neuron-steps in which any level fired (0 for non-neuron layers).</summary>
    public double FiringRate => NeuronSteps == 0 ? 0 : (double)ActiveNeuronSteps / NeuronSteps;

    /// <summary>Firing rate of level k (0-based): <c>sum_t nnz(S_k[t]) / neuron-steps</c>.</summary>
    public double LevelFiringRate(int k) => NeuronSteps == 0 ? 0 : (double)LevelSpikes[k] / NeuronSteps;

    internal void AddSops(int plane, long sops, double integerWeight)
    {
        Sops += sops;
        LevelSops[plane] += sops;
        Additions += sops;
        WeightReads += sops;
        IntegerSops += (long)Math.Round(sops * integerWeight);
    }

    internal void AddMerge(int plane, long n)
    {
        MergeAdditions += n;
        LevelMergeAdditions[plane] += n;
        Additions += n;
    }

    internal void AddMacs(long macs, int convention)
    {
        MacsPerformed += macs;
        MacsConvention += macs * convention;
        WeightReads += macs;
    }

    internal void AddLeak(long n, bool shift)
    {
        if (shift) Shifts += n; else LeakMultiplications += n;
    }

    internal void AddComparisons(long n) => Comparisons += n;
    internal void AddAdditions(long n) => Additions += n;
    internal void AddMultiplications(long n) => Multiplications += n;
    internal void AddShifts(long n) => Shifts += n;
    internal void AddReadout(long n) => ReadoutMultiplications += n;

    internal void AddFiring(long neurons, long active, ReadOnlySpan<int> perLevel)
    {
        NeuronSteps += neurons;
        ActiveNeuronSteps += active;
        for (int k = 0; k < perLevel.Length; k++) LevelSpikes[k] += perLevel[k];
    }
}
