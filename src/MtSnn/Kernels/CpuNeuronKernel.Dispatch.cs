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

/// <summary>
/// The one place that turns runtime options into generic instantiations (vector width x firing rule x charge x surrogate).
/// </summary>
public static unsafe partial class CpuNeuronKernel
{
    private static void DispatchForward(ForwardIo io, KernelParameters p)
    {
        if (Use512()) DispatchForward<Vec512>(io, p);
        else DispatchForward<Vec256>(io, p);
    }

    private static void DispatchForward<TV>(ForwardIo io, KernelParameters p) where TV : unmanaged, IVec<TV>
    {
        if (p.Options.Mode == FiringMode.Cascade) ForwardF<TV, CascadeFiring>(io, p);
        else ForwardF<TV, ParallelFiring>(io, p);
    }

    private static void ForwardF<TV, TF>(ForwardIo io, KernelParameters p) where TV : unmanaged, IVec<TV> where TF : struct, IFiringKernel
    {
        float beta = (float)p.Beta, vr = (float)p.Options.VReset;
        if (p.Options.Dynamics == Dynamics.IF) ForwardLoop<TV, TF, IfCharge>(io, p, new IfCharge());
        else if (p.Options.DecayInput) ForwardLoop<TV, TF, LifDecayInputCharge>(io, p, new LifDecayInputCharge(beta, vr));
        else ForwardLoop<TV, TF, LifCharge>(io, p, new LifCharge(beta, vr));
    }

    private static (double DBeta, double DVth) DispatchBackward(BackwardIo io, KernelParameters p) =>
        Use512() ? DispatchBackward<Vec512>(io, p) : DispatchBackward<Vec256>(io, p);

    private static (double DBeta, double DVth) DispatchBackward<TV>(BackwardIo io, KernelParameters p) where TV : unmanaged, IVec<TV> =>
        p.Options.Surrogate switch
        {
            ATan s => BackwardS<TV, ATanKernel>(io, p, new ATanKernel(s.Alpha)),
            Sigmoid s => BackwardS<TV, SigmoidKernel>(io, p, new SigmoidKernel(s.Alpha)),
            Rectangle s => BackwardS<TV, RectangleKernel>(io, p, new RectangleKernel(s.Width)),
            Triangle s => BackwardS<TV, TriangleKernel>(io, p, new TriangleKernel(s.Gamma)),
            PiecewiseQuadratic s => BackwardS<TV, PiecewiseQuadraticKernel>(io, p, new PiecewiseQuadraticKernel(s.Alpha)),
            FastSigmoid s => BackwardS<TV, FastSigmoidKernel>(io, p, new FastSigmoidKernel(s.Slope)),
            var s => throw new NotSupportedException($"the fused CPU kernel has no vectorised form of surrogate {s.GetType().Name} (supported: {FusedSurrogates.Names})"),
        };

    private static (double, double) BackwardS<TV, TS>(BackwardIo io, KernelParameters p, TS surrogate)
        where TV : unmanaged, IVec<TV> where TS : struct, ISurrogateKernel =>
        p.Options.Mode == FiringMode.Cascade ? BackwardSF<TV, TS, CascadeFiring>(io, p, surrogate) : BackwardSF<TV, TS, ParallelFiring>(io, p, surrogate);

    private static (double, double) BackwardSF<TV, TS, TF>(BackwardIo io, KernelParameters p, TS surrogate)
        where TV : unmanaged, IVec<TV> where TS : struct, ISurrogateKernel where TF : struct, IFiringKernel
    {
        float beta = (float)p.Beta, vr = (float)p.Options.VReset;
        if (p.Options.Dynamics == Dynamics.IF) return BackwardLoop<TV, TS, TF, IfCharge>(io, p, surrogate, new IfCharge());
        if (p.Options.DecayInput) return BackwardLoop<TV, TS, TF, LifDecayInputCharge>(io, p, surrogate, new LifDecayInputCharge(beta, vr));
        return BackwardLoop<TV, TS, TF, LifCharge>(io, p, surrogate, new LifCharge(beta, vr));
    }
}
