using MtSnn.Neurons;

namespace MtSnn.Tests.Kernels;

/// <summary>
/// A plain double-precision reference of the multi-threshold neuron (MT-SNN.md §2), written from the spec, with
/// gradients from a tiny reverse-mode tape (no hand-derived backward). Slow and obvious on purpose.
/// Definitions used where §2 leaves a choice (the same ones the kernels document):
/// hard reset <c>V = H (1 - S_any) + V_reset S_any</c>; single/parallel <c>S_any = S_K</c> (the max of the levels,
/// routed to the lowest threshold); cascade <c>S_any = 1 - prod_k (1 - S_k)</c>; detach_reset makes the spikes in the
/// reset a constant, as SpikingJelly does: soft <c>V = H - V_th detach(O)</c> (V_th still gets gradient), hard <c>detach(S_any)</c>.
/// </summary>
internal sealed class ScalarOracle
{
    private readonly List<(double Value, int A, double Da, int B, double Db)> _tape = [];

    private int Leaf(double v) { _tape.Add((v, -1, 0, -1, 0)); return _tape.Count - 1; }
    private int Op(double v, int a, double da, int b = -1, double db = 0) { _tape.Add((v, a, da, b, db)); return _tape.Count - 1; }
    private double Val(int i) => _tape[i].Value;
    private int Add(int a, int b) => Op(Val(a) + Val(b), a, 1, b, 1);
    private int Sub(int a, int b) => Op(Val(a) - Val(b), a, 1, b, -1);
    private int Mul(int a, int b) => Op(Val(a) * Val(b), a, Val(b), b, Val(a));
    private int Scale(int a, double c) => Op(Val(a) * c, a, c);
    private int OneMinus(int a) => Op(1 - Val(a), a, -1);
    private int Detach(int a) => Leaf(Val(a));
    private int Sigmoid(int a) { double s = 1 / (1 + Math.Exp(-Val(a))); return Op(s, a, s * (1 - s)); }
    private int Step(int u, Surrogate g) => Op(Val(u) >= 0 ? 1 : 0, u, SurrogateDerivative(g, Val(u)));

    /// <summary>g(u) in double, from the formulas in MT-SNN.md / the surrogate docs.</summary>
    public static double SurrogateDerivative(Surrogate g, double u) => g switch
    {
        ATan a => a.Alpha / 2 / (1 + Math.Pow(Math.PI / 2 * a.Alpha * u, 2)),
        Sigmoid s => s.Alpha * Sig(s.Alpha * u) * (1 - Sig(s.Alpha * u)),
        Rectangle r => Math.Abs(u) < r.Width / 2 ? 1 / r.Width : 0,
        Triangle t => Math.Max(0, t.Gamma - Math.Abs(u)) / (t.Gamma * t.Gamma),
        PiecewiseQuadratic q => Math.Max(0, q.Alpha - q.Alpha * q.Alpha * Math.Abs(u)),
        FastSigmoid f => 1 / Math.Pow(1 + f.Slope * Math.Abs(u), 2),
        LevelSurrogate l => l.Gain * SurrogateDerivative(l.Inner, u / l.Width),
        _ => throw new ArgumentException("unknown surrogate"),
    };

    private static double Sig(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Everything one run produces. Arrays are [T, N] / [T, K, N] row-major.</summary>
    public sealed record Result(double[] O, double[] H, double[] VLast, int[] Spikes, double[] MinMargin,
        double[] GradX, double[] GradV0, double GradA, double GradVth);

    /// <summary>Runs forward over [T, N], then backpropagates <paramref name="gradO"/> and <paramref name="gradVLast"/>.</summary>
    public static Result Run(NeuronOptions o, double[] x, double[] v0, int steps, int neurons, double vth, double plifA,
        double[] gradO, double[] gradVLast)
    {
        var t = new ScalarOracle();
        var c = o.ThresholdScales; var lam = o.LevelWeights; int levels = o.Levels;
        int vthVar = t.Leaf(vth), aVar = t.Leaf(plifA);
        int beta = o.Dynamics switch { Dynamics.PLIF => t.Sigmoid(aVar), _ => t.Leaf(1.0 / o.Tau) };
        double vReset = o.VReset;
        var xs = new int[steps * neurons]; var v0s = new int[neurons];
        var outO = new int[steps * neurons]; var outV = new int[neurons];
        var hOut = new double[steps * neurons]; var spikes = new int[steps * levels * neurons]; var margin = new double[neurons];
        for (int n = 0; n < neurons; n++)
        {
            margin[n] = double.PositiveInfinity;
            int v = v0s[n] = t.Leaf(v0[n]);
            for (int s = 0; s < steps; s++)
            {
                int xv = xs[s * neurons + n] = t.Leaf(x[s * neurons + n]);
                int vMinusRest = t.Op(t.Val(v) - vReset, v, 1);
                int h = o.Dynamics switch
                {
                    Dynamics.IF => t.Add(v, xv),
                    _ when o.DecayInput => t.Add(v, t.Mul(t.Sub(xv, vMinusRest), beta)),
                    _ => t.Add(t.Sub(v, t.Mul(vMinusRest, beta)), xv),
                };
                hOut[s * neurons + n] = t.Val(h);
                var sk = new int[levels];
                int r = h;
                for (int k = 0; k < levels; k++)
                {
                    int theta = t.Scale(vthVar, c[k]);
                    int u = t.Sub(o.Mode == FiringMode.Cascade ? r : h, theta);
                    margin[n] = Math.Min(margin[n], Math.Abs(t.Val(u)));
                    sk[k] = t.Step(u, o.LevelSurrogates[k]);
                    spikes[(s * levels + k) * neurons + n] = (int)t.Val(sk[k]);
                    if (o.Mode == FiringMode.Cascade) r = t.Sub(r, t.Mul(t.Scale(vthVar, lam[k]), sk[k]));
                }
                int oSum = t.Scale(sk[0], lam[0]);
                for (int k = 1; k < levels; k++) oSum = t.Add(oSum, t.Scale(sk[k], lam[k]));
                outO[s * neurons + n] = oSum;
                if (o.EffectiveReset == ResetMode.Soft)
                {
                    int term = t.Mul(vthVar, o.DetachReset ? t.Detach(oSum) : oSum);
                    v = t.Sub(h, term);
                }
                else
                {
                    int any;
                    if (o.Mode == FiringMode.Cascade)
                    {
                        int none = t.OneMinus(sk[0]);
                        for (int k = 1; k < levels; k++) none = t.Mul(none, t.OneMinus(sk[k]));
                        any = t.OneMinus(none);
                    }
                    else any = sk[levels - 1];
                    if (o.DetachReset) any = t.Detach(any);
                    v = t.Add(t.Mul(h, t.OneMinus(any)), t.Scale(any, vReset));
                }
            }
            outV[n] = v;
        }
        var grad = new double[t._tape.Count];
        for (int i = 0; i < outO.Length; i++) grad[outO[i]] += gradO[i];
        for (int i = 0; i < neurons; i++) grad[outV[i]] += gradVLast[i];
        for (int i = t._tape.Count - 1; i >= 0; i--)
        {
            var (_, a, da, b, db) = t._tape[i];
            if (grad[i] == 0) continue;
            if (a >= 0) grad[a] += grad[i] * da;
            if (b >= 0) grad[b] += grad[i] * db;
        }
        return new Result(outO.Select(t.Val).ToArray(), hOut, outV.Select(t.Val).ToArray(), spikes, margin,
            xs.Select(i => grad[i]).ToArray(), v0s.Select(i => grad[i]).ToArray(), grad[aVar], grad[vthVar]);
    }
}
