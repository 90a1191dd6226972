namespace MtSnn.Monitoring;

/// <summary>
/// What a <see cref="NetworkMonitor"/> keeps, and its memory bound. Per chosen layer it records the first
/// <see cref="MaxSamples"/> samples it sees (the first samples of each batch, batch after batch, until the budget is
/// spent), at most <see cref="MaxSteps"/> time steps of each: <c>MaxSamples x MaxSteps x K x N</c> bytes of spikes
/// plus, with <see cref="RecordMembrane"/>, twice <c>MaxSamples x MaxSteps x N</c> floats. Firing rates are
/// counted over every call while attached (K numbers per layer).
/// </summary>
public sealed record MonitorOptions
{
    /// <summary>The largest <see cref="MaxSamples"/> and <see cref="MaxSteps"/> accepted.</summary>
    public const int Limit = 4096;

    /// <summary>Samples recorded per layer (0: firing rates only). Default 4; 0..<see cref="Limit"/>.</summary>
    public int MaxSamples { get; init; } = 4;

    /// <summary>Time steps recorded per sample (later steps of the same sequence are counted in the rates only). Default 64; 1..<see cref="Limit"/>.</summary>
    public int MaxSteps { get; init; } = 64;

    /// <summary>
    /// Also record the pre-fire potential <c>H[t]</c> and the membrane after reset <c>V[t]</c>. The fused kernel does not
    /// keep the membrane sequence, so while samples are still being recorded the monitored layers run on the composed
    /// reference (under the auto backend; a node forced to <c>Fused</c> is refused by <see cref="NetworkMonitor.Attach(TorchSharp.torch.nn.Module, MonitorOptions?)"/>).
    /// Default false: spikes and rates only, on whichever backend runs.
    /// </summary>
    public bool RecordMembrane { get; init; }

    /// <summary>These options, checked; throws <see cref="ArgumentException"/> naming the bad value and the allowed range.</summary>
    public MonitorOptions Validate()
    {
        if (MaxSamples is < 0 or > Limit) throw new ArgumentException($"MaxSamples must be 0..{Limit} (got {MaxSamples})");
        if (MaxSteps is < 1 or > Limit) throw new ArgumentException($"MaxSteps must be 1..{Limit} (got {MaxSteps})");
        return this;
    }
}
