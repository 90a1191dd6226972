namespace MtSnn.Runtime;

/// <summary>The number system of the engine's spiking part.</summary>
public enum EngineArithmetic
{
    /// <summary>float32, as trained.</summary>
    Float32,
    /// <summary>
    /// int64 fixed point: the input is quantised to <see cref="EngineOptions.InputFractionBits"/> fraction bits,
    /// every weight copy to a per-layer power-of-two scale (<c>max |w| 2^f</c> in [2^22, 2^23), int32 range),
    /// thresholds and biases rounded to their layer's scale; then only integer additions, comparisons and shifts
    /// (and 128-bit integer MACs in the first layer): bit-exact and deterministic on any machine.
    /// </summary>
    Integer,
}

/// <summary>Engine options, immutable and validated on construction.</summary>
public sealed record EngineOptions
{
    /// <summary>Creates options.</summary>
    /// <param name="arithmetic">Float32 (default) or integer fixed point.</param>
    /// <param name="inputFractionBits">Integer mode: fraction bits of the quantised input, 0..30.</param>
    /// <param name="intraOpThreads">Threads one <c>Infer</c> call may use inside a large layer, 1..1024;
    /// 0 (default) means <see cref="Environment.ProcessorCount"/>. Results and counts do not depend on it.</param>
    public EngineOptions(EngineArithmetic arithmetic = EngineArithmetic.Float32, int inputFractionBits = 20, int intraOpThreads = 0)
    {
        if (!Enum.IsDefined(arithmetic)) throw new ArgumentException($"unknown arithmetic {(int)arithmetic} (allowed: Float32, Integer)");
        if (inputFractionBits is < 0 or > 30) throw new ArgumentException($"input fraction bits must be in 0..30 (got {inputFractionBits})");
        if (intraOpThreads is < 0 or > 1024) throw new ArgumentException($"intra-op threads must be in 0..1024, 0 = processor count (got {intraOpThreads})");
        Arithmetic = arithmetic;
        InputFractionBits = inputFractionBits;
        IntraOpThreads = intraOpThreads == 0 ? Environment.ProcessorCount : intraOpThreads;
    }

    /// <summary>Float32 (default) or integer fixed point.</summary>
    public EngineArithmetic Arithmetic { get; }
    /// <summary>Integer mode: fraction bits of the quantised input (default 20).</summary>
    public int InputFractionBits { get; }
    /// <summary>Threads one inference may use inside a large layer (default: the processor count).</summary>
    public int IntraOpThreads { get; }
}
