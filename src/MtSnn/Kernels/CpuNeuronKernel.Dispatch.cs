using MtSnn.Neurons;

namespace MtSnn.Kernels;

/// <summary>Pointers and sizes of one forward call.</summary>
internal readonly unsafe struct ForwardIo(float* x, float* v0, float* o, float* vLast, float* h, float* spikes, byte* spikeBytes, int steps, int neurons)
{
    public readonly float* X = x, V0 = v0, O = o, VLast = vLast, H = h, Spikes = spikes;
    public readonly byte* SpikeBytes = spikeBytes;
    public readonly int Steps = steps, Neurons = neurons;
}

/// <summary>Pointers and sizes of one backward call (exactly one of X and H is non-null).</summary>
internal readonly unsafe struct BackwardIo(float* x, float* h, float* v0, float* gradO, float* gradVLast, float* gradX, float* gradV0, int steps, int neurons)
{
    public readonly float* X = x, H = h, V0 = v0, GradO = gradO, GradVLast = gradVLast, GradX = gradX, GradV0 = gradV0;
    public readonly int Steps = steps, Neurons = neurons;
}

/// <summary>The one place that turns runtime options into generic instantiations (firing rule x charge x surrogate).</summary>
public static unsafe partial class CpuNeuronKernel
{
    private static void DispatchForward(ForwardIo io, KernelParameters p)
    {
        if (p.Options.Mode == FiringMode.Cascade) ForwardF<CascadeFiring>(io, p);
        else ForwardF<ParallelFiring>(io, p);
    }

    private static void ForwardF<TF>(ForwardIo io, KernelParameters p) where TF : struct, IFiringKernel
    {
        float beta = (float)p.Beta, vr = (float)p.Options.VReset;
        if (p.Options.Dynamics == Dynamics.IF) ForwardLoop<TF, IfCharge>(io, p, new IfCharge());
        else if (p.Options.DecayInput) ForwardLoop<TF, LifDecayInputCharge>(io, p, new LifDecayInputCharge(beta, vr));
        else ForwardLoop<TF, LifCharge>(io, p, new LifCharge(beta, vr));
    }

    private static (double DBeta, double DVth) DispatchBackward(BackwardIo io, KernelParameters p) => p.Options.Surrogate switch
    {
        ATan s => BackwardS(io, p, new ATanKernel(s.Alpha)),
        Sigmoid s => BackwardS(io, p, new SigmoidKernel(s.Alpha)),
        Rectangle s => BackwardS(io, p, new RectangleKernel(s.Width)),
        Triangle s => BackwardS(io, p, new TriangleKernel(s.Gamma)),
        PiecewiseQuadratic s => BackwardS(io, p, new PiecewiseQuadraticKernel(s.Alpha)),
        FastSigmoid s => BackwardS(io, p, new FastSigmoidKernel(s.Slope)),
        var s => throw new NotSupportedException($"the fused CPU kernel has no vectorised form of surrogate {s.GetType().Name} (supported: atan, sigmoid, rectangle, triangle, piecewise-quadratic, fast-sigmoid)"),
    };

    private static (double, double) BackwardS<TS>(BackwardIo io, KernelParameters p, TS surrogate) where TS : struct, ISurrogateKernel =>
        p.Options.Mode == FiringMode.Cascade ? BackwardSF<TS, CascadeFiring>(io, p, surrogate) : BackwardSF<TS, ParallelFiring>(io, p, surrogate);

    private static (double, double) BackwardSF<TS, TF>(BackwardIo io, KernelParameters p, TS surrogate)
        where TS : struct, ISurrogateKernel where TF : struct, IFiringKernel
    {
        float beta = (float)p.Beta, vr = (float)p.Options.VReset;
        if (p.Options.Dynamics == Dynamics.IF) return BackwardLoop<TS, TF, IfCharge>(io, p, surrogate, new IfCharge());
        if (p.Options.DecayInput) return BackwardLoop<TS, TF, LifDecayInputCharge>(io, p, surrogate, new LifDecayInputCharge(beta, vr));
        return BackwardLoop<TS, TF, LifCharge>(io, p, surrogate, new LifCharge(beta, vr));
    }
}
