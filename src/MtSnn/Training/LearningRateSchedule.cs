namespace MtSnn.Training;

/// <summary>How the learning rate decays after the warm-up (command-line names: cosine, step, constant).</summary>
public enum ScheduleKind
{
    /// <summary>Cosine annealing to <see cref="LearningRateSchedule.MinLr"/>.</summary>
    Cosine,
    /// <summary>Multiply by gamma every <see cref="LearningRateSchedule.StepEvery"/> steps.</summary>
    Step,
    /// <summary>Keep the base rate.</summary>
    Constant,
}

/// <summary>
/// The learning rate at optimizer step s = 0, 1, ..., S - 1 (S = <see cref="TotalSteps"/>, W = <see cref="WarmupSteps"/>,
/// eta = <see cref="BaseLr"/>):
/// <list type="bullet">
/// <item>warm-up, s &lt; W: <c>lr = eta (s + 1) / W</c> (linear, reaching eta at the last warm-up step);</item>
/// <item>cosine, s &gt;= W: <c>lr = m + (eta - m) (1 + cos(pi (s - W) / (S - W))) / 2</c>, m = <see cref="MinLr"/>;</item>
/// <item>step, s &gt;= W: <c>lr = eta gamma^floor((s - W) / N)</c>, N = <see cref="StepEvery"/>;</item>
/// <item>constant: <c>lr = eta</c>.</item>
/// </list>
/// The rate is a pure function of s, so a resumed run continues the same curve.
/// </summary>
public sealed record LearningRateSchedule
{
    /// <summary>Decay kind. Default cosine.</summary>
    public ScheduleKind Kind { get; init; } = ScheduleKind.Cosine;
    /// <summary>Base rate eta (&gt; 0).</summary>
    public double BaseLr { get; init; } = 0.1;
    /// <summary>Floor m of the cosine (&gt;= 0). Default 0.</summary>
    public double MinLr { get; init; }
    /// <summary>Total optimizer steps S (&gt;= 1).</summary>
    public long TotalSteps { get; init; } = 1;
    /// <summary>Warm-up steps W (0 &lt;= W &lt; S... or any W &gt;= 0: a warm-up longer than the run just never ends).</summary>
    public long WarmupSteps { get; init; }
    /// <summary>Step schedule: steps between decays N (&gt;= 1).</summary>
    public long StepEvery { get; init; } = 1;
    /// <summary>Step schedule: decay factor gamma in (0, 1].</summary>
    public double Gamma { get; init; } = 0.1;

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public LearningRateSchedule Validate()
    {
        if (!double.IsFinite(BaseLr) || BaseLr <= 0) throw new ArgumentException($"learning rate must be finite and > 0 (got {BaseLr})");
        if (!double.IsFinite(MinLr) || MinLr < 0 || MinLr > BaseLr) throw new ArgumentException($"minimum learning rate must be in [0, lr = {BaseLr}] (got {MinLr})");
        if (TotalSteps < 1) throw new ArgumentException($"total steps must be >= 1 (got {TotalSteps})");
        if (WarmupSteps < 0) throw new ArgumentException($"warm-up must be >= 0 (got {WarmupSteps} steps)");
        if (StepEvery < 1) throw new ArgumentException($"step schedule period must be >= 1 step (got {StepEvery})");
        if (!double.IsFinite(Gamma) || Gamma <= 0 || Gamma > 1) throw new ArgumentException($"step schedule gamma must be in (0, 1] (got {Gamma})");
        return this;
    }

    /// <summary>The learning rate at step <paramref name="step"/> (&gt;= 0).</summary>
    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps) return BaseLr * (step + 1) / WarmupSteps;
        long s = step - WarmupSteps;
        return Kind switch
        {
            ScheduleKind.Cosine => MinLr + (BaseLr - MinLr) * (1 + Math.Cos(Math.PI * Math.Min(1.0, s / (double)Math.Max(1, TotalSteps - WarmupSteps)))) / 2,
            ScheduleKind.Step => BaseLr * Math.Pow(Gamma, s / StepEvery),
            _ => BaseLr,
        };
    }

    /// <summary>Parses the command-line name (cosine, step, constant).</summary>
    public static ScheduleKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "cosine" => ScheduleKind.Cosine,
        "step" => ScheduleKind.Step,
        "constant" or "none" => ScheduleKind.Constant,
        _ => throw new ArgumentException($"unknown schedule '{name}' (allowed: cosine, step, constant)"),
    };
}
