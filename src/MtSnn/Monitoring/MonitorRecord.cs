namespace MtSnn.Monitoring;

/// <summary>
/// One recorded input sequence of one layer (the calls between two state resets): the spike planes
/// <c>S_k[t, s, n]</c> of <see cref="Samples"/> samples over <see cref="Steps"/> time steps, and, when recorded, the
/// pre-fire potential <c>H[t, s, n]</c> and the membrane after reset <c>V[t, s, n]</c>. Managed arrays: it owns no
/// tensor and outlives every dispose scope. Indices are 0-based: level <c>k</c> is the paper's level <c>k + 1</c>
/// (threshold <c>theta_{k+1}</c>, weight <c>lambda_{k+1}</c>); neuron <c>n</c> is the row-major index into <see cref="NeuronShape"/>.
/// </summary>
public sealed class MonitorRecord
{
    private readonly byte[] _spikes;   // [Steps, Levels, Samples, Neurons]
    private readonly float[]? _h, _v;  // [Steps, Samples, Neurons]

    internal MonitorRecord(string layer, int sequence, int levels, int samples, long[] neuronShape, int steps, byte[] spikes, float[]? h, float[]? v)
    {
        Layer = layer;
        Sequence = sequence;
        Levels = levels;
        Samples = samples;
        NeuronShape = neuronShape;
        Neurons = (int)neuronShape.Aggregate(1L, (a, d) => a * d);
        Steps = steps;
        _spikes = spikes;
        _h = h;
        _v = v;
    }

    /// <summary>The layer's module path (as in <c>named_modules()</c> and <c>state_dict</c>, e.g. <c>features.1</c>).</summary>
    public string Layer { get; }
    /// <summary>0-based index of this sequence among the layer's recorded ones.</summary>
    public int Sequence { get; }
    /// <summary>K, the number of levels.</summary>
    public int Levels { get; }
    /// <summary>Samples recorded (the first ones of the batch).</summary>
    public int Samples { get; }
    /// <summary>Per-sample shape of the layer's output (e.g. <c>[C, H, W]</c> or <c>[N]</c>).</summary>
    public IReadOnlyList<long> NeuronShape { get; }
    /// <summary>Neurons per sample: the product of <see cref="NeuronShape"/>.</summary>
    public int Neurons { get; }
    /// <summary>Time steps recorded (at most <see cref="MonitorOptions.MaxSteps"/>).</summary>
    public int Steps { get; }
    /// <summary>Whether <see cref="PreFire"/> and <see cref="Membrane"/> were recorded.</summary>
    public bool HasMembrane => _h is not null;

    /// <summary><c>S_{level+1}[step, sample, neuron]</c>.</summary>
    public bool Spike(int step, int level, int sample, int neuron) => _spikes[Index(step, level, sample, neuron)] != 0;

    /// <summary>The plane <c>S_{level+1}[step, sample, :]</c>, one byte (0/1) per neuron.</summary>
    public ReadOnlySpan<byte> SpikePlane(int step, int level, int sample) => _spikes.AsSpan(Index(step, level, sample, 0), Neurons);

    /// <summary>The pre-fire potential <c>H[step, sample, neuron]</c>; throws unless <see cref="HasMembrane"/>.</summary>
    public float PreFire(int step, int sample, int neuron) => (_h ?? throw NoMembrane())[MembraneIndex(step, sample, neuron)];

    /// <summary>The membrane after reset <c>V[step, sample, neuron]</c>; throws unless <see cref="HasMembrane"/>.</summary>
    public float Membrane(int step, int sample, int neuron) => (_v ?? throw NoMembrane())[MembraneIndex(step, sample, neuron)];

    /// <summary>Per level, the mean of <c>S_k</c> over the recorded steps, samples and neurons.</summary>
    public double[] LevelRates()
    {
        var rates = new double[Levels];
        int plane = Samples * Neurons;
        for (int t = 0; t < Steps; t++)
            for (int k = 0; k < Levels; k++)
            {
                long count = 0;
                foreach (byte b in _spikes.AsSpan((t * Levels + k) * plane, plane)) count += b;
                rates[k] += count;
            }
        double n = Math.Max(1.0, (double)Steps * plane);
        for (int k = 0; k < Levels; k++) rates[k] /= n;
        return rates;
    }

    private int Index(int step, int level, int sample, int neuron)
    {
        Check(step, Steps, "step"); Check(level, Levels, "level"); Check(sample, Samples, "sample"); Check(neuron, Neurons, "neuron");
        return ((step * Levels + level) * Samples + sample) * Neurons + neuron;
    }

    private int MembraneIndex(int step, int sample, int neuron)
    {
        Check(step, Steps, "step"); Check(sample, Samples, "sample"); Check(neuron, Neurons, "neuron");
        return (step * Samples + sample) * Neurons + neuron;
    }

    private static void Check(int value, int count, string what)
    {
        if ((uint)value >= (uint)count) throw new ArgumentOutOfRangeException(what, value, $"{what} must be 0..{count - 1}");
    }

    private InvalidOperationException NoMembrane() =>
        new($"layer {Layer}: the membrane was not recorded (set MonitorOptions.RecordMembrane)");
}
