namespace MtSnn.Data.Neuromorphic;

/// <summary>
/// Turns a static image into DVS events the way N-MNIST was recorded: the image moves over the sensor along a
/// saccade path (<see cref="EmulatorOptions.Path"/>) and every pixel reports changes of its log intensity.
/// </summary>
/// <remarks>
/// <para><b>Scene.</b> At time t the image sits at canvas offset o + s(t), o centring the scaled image
/// (o = ((W_c - w·scale)/2, (H_c - h·scale)/2)), s(t) linear between waypoints, one sweep per
/// <see cref="EmulatorOptions.SweepMilliseconds"/>. Canvas pixel (x, y) sees
/// I(x, y, t) = bilinear(image, u, v) with u = (x + ½ - o_x - s_x(t))/scale - ½, v likewise; outside the image
/// the intensity is <see cref="EmulatorOptions.Background"/>. The pixel's log intensity is L = ln(I + ε).</para>
/// <para><b>Pixel.</b> Each pixel keeps a reference level L_ref (L at t = 0 to start) and per-pixel thresholds
/// θ_on, θ_off = max(θ_min, θ + σ N(0,1)). Between time steps t_{k-1} and t_k it emits ON while
/// L(t_k) - L_ref ≥ θ_on (then L_ref += θ_on) and OFF while L_ref - L(t_k) ≥ θ_off (then L_ref -= θ_off), each
/// event timed where the line from L(t_{k-1}) to L(t_k) crosses the new level, but no sooner than the refractory
/// period after the pixel's previous event; a crossing that would fall after t_k waits for the next step.
/// So a monotone change ΔL yields exactly floor(|ΔL| / θ) events of one polarity.</para>
/// <para><b>Noise.</b> Background activity: per pixel a Poisson process of rate
/// <see cref="EmulatorOptions.NoiseRateHz"/>, polarity 50/50; noise does not move L_ref.</para>
/// <para>Output events are sorted by t (µs, rounded), ties in pixel order; the same seed gives the same events.</para>
/// </remarks>
public static class EventEmulator
{
    private readonly record struct Pending(long T, int Seq, ushort X, ushort Y, bool On);

    /// <summary>Emulates the events of <paramref name="image"/> (h x w, row-major, values in [0, 1]).</summary>
    public static EventStream Emulate(ReadOnlySpan<float> image, int h, int w, EmulatorOptions options, int seed)
    {
        var o = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        if (h < 1 || w < 1) throw new ArgumentException($"image size must be >= 1x1 (got {h}x{w})");
        if (image.Length != (long)h * w) throw new ArgumentException($"image must hold h*w = {(long)h * w} values (got {image.Length})");
        for (int i = 0; i < image.Length; i++)
            if (!(image[i] >= 0f && image[i] <= 1f)) throw new ArgumentException($"image value {i} is {image[i]}; allowed [0, 1]");

        int ch = o.CanvasHeight, cw = o.CanvasWidth, n = ch * cw;
        var rng = new Random(seed);
        var thOn = new double[n];
        var thOff = new double[n];
        for (int i = 0; i < n; i++)
        {
            thOn[i] = Math.Max(o.MinThreshold, o.Threshold + o.ThresholdSigma * Gaussian(rng));
            thOff[i] = Math.Max(o.MinThreshold, o.Threshold + o.ThresholdSigma * Gaussian(rng));
        }
        double durationUs = o.DurationMilliseconds * 1000, stepUs = o.StepMilliseconds * 1000;
        var noise = Noise(o, n, durationUs, rng);

        var lref = new double[n];
        var lprev = new double[n];
        var lnow = new double[n];
        var last = new double[n];
        Array.Fill(last, double.NegativeInfinity);
        Render(image, h, w, o, PathAt(o, 0), lprev);
        lprev.CopyTo(lref, 0);

        var events = new EventStreamBuilder(cw, ch, 4096);
        var buffer = new List<Pending>();
        int steps = (int)Math.Ceiling(durationUs / stepUs - 1e-9), nextNoise = 0;
        double refractoryUs = o.RefractoryMilliseconds * 1000;
        for (int k = 1; k <= steps; k++)
        {
            double t0 = (k - 1) * stepUs, t1 = Math.Min(k * stepUs, durationUs);
            Render(image, h, w, o, PathAt(o, t1), lnow);
            buffer.Clear();
            for (int i = 0; i < n; i++)
                Fire(i, cw, t0, t1, lprev[i], lnow[i], ref lref[i], ref last[i], thOn[i], thOff[i], refractoryUs, buffer);
            while (nextNoise < noise.Count && (noise[nextNoise].T <= t1 || k == steps))
                buffer.Add(noise[nextNoise++] with { Seq = buffer.Count });
            buffer.Sort(static (a, b) => a.T != b.T ? a.T.CompareTo(b.T) : a.Seq.CompareTo(b.Seq));
            foreach (var e in buffer) events.Add(e.X, e.Y, e.T, e.On);
            (lprev, lnow) = (lnow, lprev);
        }
        return events.ToStream();
    }

    /// <summary>The image offset s(t) at <paramref name="tUs"/> µs: linear between consecutive waypoints.</summary>
    public static SaccadePoint PathAt(EmulatorOptions o, double tUs)
    {
        double sweepUs = o.SweepMilliseconds * 1000;
        int segments = o.Path.Length - 1;
        int j = Math.Clamp((int)Math.Floor(tUs / sweepUs), 0, segments - 1);
        double f = Math.Clamp((tUs - j * sweepUs) / sweepUs, 0, 1);
        var a = o.Path[j];
        var b = o.Path[j + 1];
        return new SaccadePoint(a.X + f * (b.X - a.X), a.Y + f * (b.Y - a.Y));
    }

    private static void Fire(int i, int cw, double t0, double t1, double lp, double ln, ref double lr, ref double lastT,
        double thOn, double thOff, double refractoryUs, List<Pending> buffer)
    {
        while (true)
        {
            bool on;
            double level;
            if (ln - lr >= thOn) { on = true; level = lr + thOn; }
            else if (lr - ln >= thOff) { on = false; level = lr - thOff; }
            else return;
            double f = ln != lp ? Math.Clamp((level - lp) / (ln - lp), 0, 1) : 1;
            double te = Math.Max(t0 + f * (t1 - t0), lastT + refractoryUs);
            if (te > t1) return;
            buffer.Add(new Pending((long)Math.Round(te), buffer.Count, (ushort)(i % cw), (ushort)(i / cw), on));
            lr = level;
            lastT = te;
        }
    }

    private static void Render(ReadOnlySpan<float> image, int h, int w, EmulatorOptions o, SaccadePoint s, double[] logI)
    {
        int ch = o.CanvasHeight, cw = o.CanvasWidth;
        double scale = o.Scale, bg = o.Background, eps = o.LogEpsilon;
        double ox = (cw - w * scale) / 2 + s.X, oy = (ch - h * scale) / 2 + s.Y;
        Span<int> x0s = cw <= 1024 ? stackalloc int[cw] : new int[cw];
        Span<double> fxs = cw <= 1024 ? stackalloc double[cw] : new double[cw];
        for (int x = 0; x < cw; x++)
        {
            double u = (x + 0.5 - ox) / scale - 0.5;
            x0s[x] = (int)Math.Floor(u);
            fxs[x] = u - x0s[x];
        }
        for (int y = 0; y < ch; y++)
        {
            double v = (y + 0.5 - oy) / scale - 0.5;
            int y0 = (int)Math.Floor(v);
            double fy = v - y0;
            bool topIn = (uint)y0 < (uint)h, bottomIn = (uint)(y0 + 1) < (uint)h;
            var top = topIn ? image.Slice(y0 * w, w) : default;
            var bottom = bottomIn ? image.Slice((y0 + 1) * w, w) : default;
            var row = logI.AsSpan(y * cw, cw);
            for (int x = 0; x < cw; x++)
            {
                int x0 = x0s[x];
                double fx = fxs[x];
                bool leftIn = (uint)x0 < (uint)w, rightIn = (uint)(x0 + 1) < (uint)w;
                double t = (1 - fx) * (topIn && leftIn ? top[x0] : bg) + fx * (topIn && rightIn ? top[x0 + 1] : bg);
                double b = (1 - fx) * (bottomIn && leftIn ? bottom[x0] : bg) + fx * (bottomIn && rightIn ? bottom[x0 + 1] : bg);
                row[x] = Math.Log((1 - fy) * t + fy * b + eps);
            }
        }
    }

    /// <summary>Background activity: for each pixel, exponential gaps of mean 1/rate over (0, duration]; sorted by time.</summary>
    private static List<Pending> Noise(EmulatorOptions o, int n, double durationUs, Random rng)
    {
        var result = new List<Pending>();
        if (o.NoiseRateHz <= 0) return result;
        double meanGapUs = 1e6 / o.NoiseRateHz;
        for (int i = 0; i < n; i++)
        {
            for (double t = -meanGapUs * Math.Log(1 - rng.NextDouble()); t <= durationUs; t -= meanGapUs * Math.Log(1 - rng.NextDouble()))
                result.Add(new Pending((long)Math.Round(t), result.Count, (ushort)(i % o.CanvasWidth), (ushort)(i / o.CanvasWidth), rng.Next(2) == 1));
        }
        result.Sort(static (a, b) => a.T != b.T ? a.T.CompareTo(b.T) : a.Seq.CompareTo(b.Seq));
        return result;
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
