using System.Collections.Immutable;

namespace MtSnn.Data.Neuromorphic;

/// <summary>A point of the saccade path: the image's offset on the canvas, in canvas pixels (x right, y down).</summary>
public readonly record struct SaccadePoint(double X, double Y);

/// <summary>
/// Options of <see cref="EventEmulator"/>, immutable; defaults imitate N-MNIST (34x34 canvas, three 100 ms saccades
/// in a triangle, about 300 ms in all). Use <see cref="Scale"/> = 1 for 28x28 MNIST (3 pixels of border) and
/// <see cref="Scale"/> = 3 for 8x8 digits (24x24, 5 pixels of border).
/// </summary>
public sealed record EmulatorOptions
{
    /// <summary>N-MNIST's triangle: (0,-1.5) → (1.5,0) right-down → (0,1.5) left-down → (0,-1.5) straight up.</summary>
    public static ImmutableArray<SaccadePoint> Triangle { get; } = [new(0, -1.5), new(1.5, 0), new(0, 1.5), new(0, -1.5)];

    /// <summary>Canvas (sensor) height. Default 34.</summary>
    public int CanvasHeight { get; init; } = 34;
    /// <summary>Canvas (sensor) width. Default 34.</summary>
    public int CanvasWidth { get; init; } = 34;
    /// <summary>Canvas pixels per image pixel (bilinear upsampling when &gt; 1). Default 1.</summary>
    public double Scale { get; init; } = 1;
    /// <summary>Waypoints of the image offset; the offset moves linearly from one to the next, one sweep per pair. Default <see cref="Triangle"/>.</summary>
    public ImmutableArray<SaccadePoint> Path { get; init; } = Triangle;
    /// <summary>Duration of each sweep, ms. Default 100.</summary>
    public double SweepMilliseconds { get; init; } = 100;
    /// <summary>Simulation time step, ms. Default 1.</summary>
    public double StepMilliseconds { get; init; } = 1;
    /// <summary>Mean contrast threshold θ on log intensity (ON and OFF). Default 0.2.</summary>
    public double Threshold { get; init; } = 0.2;
    /// <summary>Per-pixel mismatch: θ_on and θ_off of each pixel are θ + σ N(0,1), at least <see cref="MinThreshold"/>. Default 0.03.</summary>
    public double ThresholdSigma { get; init; } = 0.03;
    /// <summary>Floor of a pixel's threshold. Default 0.05.</summary>
    public double MinThreshold { get; init; } = 0.05;
    /// <summary>ε in L = ln(I + ε): the sensor's dark level relative to full scale 1. Default 0.1.</summary>
    public double LogEpsilon { get; init; } = 0.1;
    /// <summary>Intensity outside the image (0 = black, like N-MNIST's monitor background). Default 0.</summary>
    public double Background { get; init; }
    /// <summary>A pixel's events are at least this far apart (later crossings wait, none is lost), ms. Default 1.</summary>
    public double RefractoryMilliseconds { get; init; } = 1;
    /// <summary>Background-activity noise: Poisson events per pixel per second, polarity 50/50. Default 0.2.</summary>
    public double NoiseRateHz { get; init; } = 0.2;

    /// <summary>Total duration, ms: sweeps × <see cref="SweepMilliseconds"/>.</summary>
    public double DurationMilliseconds => (Path.Length - 1) * SweepMilliseconds;

    /// <summary>Checks every option; throws <see cref="ArgumentException"/> naming the bad value and what is allowed.</summary>
    public EmulatorOptions Validate()
    {
        if (CanvasHeight < 1 || CanvasHeight > 4096 || CanvasWidth < 1 || CanvasWidth > 4096)
            throw new ArgumentException($"canvas must be in [1, 4096] x [1, 4096] (got {CanvasHeight}x{CanvasWidth})");
        Positive(Scale, "scale");
        if (Path.IsDefault || Path.Length < 2) throw new ArgumentException($"saccade path needs at least 2 points (got {(Path.IsDefault ? 0 : Path.Length)})");
        foreach (var p in Path) if (!double.IsFinite(p.X) || !double.IsFinite(p.Y)) throw new ArgumentException($"saccade points must be finite (got {p})");
        Positive(SweepMilliseconds, "sweep duration (ms)");
        Positive(StepMilliseconds, "time step (ms)");
        if (StepMilliseconds > SweepMilliseconds) throw new ArgumentException($"time step {StepMilliseconds} ms must not exceed the sweep duration {SweepMilliseconds} ms");
        if (DurationMilliseconds / StepMilliseconds > 1e7) throw new ArgumentException($"too many time steps ({DurationMilliseconds / StepMilliseconds:G3}; allowed <= 1e7)");
        Positive(Threshold, "contrast threshold");
        NonNegative(ThresholdSigma, "threshold sigma");
        Positive(MinThreshold, "minimum threshold");
        Positive(LogEpsilon, "log epsilon");
        if (!(Background >= 0 && Background <= 1)) throw new ArgumentException($"background must be in [0, 1] (got {Background})");
        NonNegative(RefractoryMilliseconds, "refractory period (ms)");
        NonNegative(NoiseRateHz, "noise rate (Hz)");
        return this;
    }

    private static void Positive(double v, string name)
    {
        if (!double.IsFinite(v) || v <= 0) throw new ArgumentException($"{name} must be finite and > 0 (got {v})");
    }

    private static void NonNegative(double v, string name)
    {
        if (!double.IsFinite(v) || v < 0) throw new ArgumentException($"{name} must be finite and >= 0 (got {v})");
    }
}
