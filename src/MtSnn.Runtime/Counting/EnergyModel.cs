namespace MtSnn.Runtime.Counting;

/// <summary>
/// Energy per operation (MT-SNN.md §4): <c>E_MAC = 4.6 pJ</c>, <c>E_AC = 0.9 pJ</c> (32-bit float, 45 nm;
/// Horowitz, ISSCC 2014). SNN: <c>E = E_MAC MACs(first layer) T + E_AC SOPs</c>; ANN of the same
/// architecture: <c>E = E_MAC MACs</c>.
/// </summary>
public sealed record EnergyModel
{
    /// <summary>Creates a model; both energies must be finite and &gt;= 0.</summary>
    public EnergyModel(double macPicojoules = 4.6, double acPicojoules = 0.9)
    {
        if (!double.IsFinite(macPicojoules) || macPicojoules < 0) throw new ArgumentException($"E_MAC must be finite and >= 0 pJ (got {macPicojoules})");
        if (!double.IsFinite(acPicojoules) || acPicojoules < 0) throw new ArgumentException($"E_AC must be finite and >= 0 pJ (got {acPicojoules})");
        MacPicojoules = macPicojoules;
        AcPicojoules = acPicojoules;
    }

    /// <summary>Energy of one multiply-accumulate (pJ).</summary>
    public double MacPicojoules { get; }
    /// <summary>Energy of one accumulate (pJ).</summary>
    public double AcPicojoules { get; }

    /// <summary>Energy per inference from counts (averaged over <see cref="OpCounts.Inferences"/>) and the model's ANN MACs.</summary>
    public EnergyReport Evaluate(OpCounts counts, MtSnnModel model)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(model);
        if (counts.Inferences == 0) throw new ArgumentException("the counts hold no inference; run Engine.Infer with them first");
        double n = counts.Inferences;
        double macs = counts.MacsConvention / n, sops = counts.Sops / n, isops = counts.IntegerSops / n, adds = counts.Additions / n;
        long ann = model.AnnMacs();
        return new EnergyReport(
            MacsConvention: macs, Sops: sops, IntegerSops: isops, AnnMacs: ann,
            SnnPicojoules: MacPicojoules * macs + AcPicojoules * sops,
            SnnIntegerConventionPicojoules: MacPicojoules * macs + AcPicojoules * isops,
            SnnAllAdditionsPicojoules: MacPicojoules * macs + AcPicojoules * adds,
            AnnPicojoules: MacPicojoules * ann);
    }
}

/// <summary>
/// Energy of one inference (pJ). <c>Snn = E_MAC MACs_conv + E_AC SOPs</c>; <c>SnnIntegerConvention</c> charges
/// graded spikes as <c>v / lambda_min</c> unit events; <c>SnnAllAdditions</c> charges every counted addition
/// (merge, bias, leak, reset) as an accumulate; <c>Ann = E_MAC MACs</c> of the same architecture.
/// </summary>
public sealed record EnergyReport(
    double MacsConvention, double Sops, double IntegerSops, long AnnMacs,
    double SnnPicojoules, double SnnIntegerConventionPicojoules, double SnnAllAdditionsPicojoules, double AnnPicojoules)
{
    /// <summary>ANN energy over SNN energy.</summary>
    public double AnnOverSnn => SnnPicojoules == 0 ? double.PositiveInfinity : AnnPicojoules / SnnPicojoules;
}
