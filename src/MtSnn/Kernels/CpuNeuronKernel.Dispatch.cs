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
/// Every switch is exhaustive: a value without a kernel form throws, naming it.
/// </summary>
public static unsafe partial class CpuNeuronKernel
{
    private static void DispatchForward(ForwardIo io, KernelParameters p)
    {
        if (Use512()) DispatchForward<Vec512>(io, p);
        else DispatchForward<Vec256>(io, p);
    }

    private static void DispatchForward<TV>(ForwardIo io, KernelParameters p) where TV : unmanaged, IVec<TV> =>
        FiringRules.Select(p.Options.Mode, new ForwardByFiring<TV>(io, p));

    /// <summary>The forward instantiated for one firing rule (<see cref="FiringRules"/>).</summary>
    private sealed class ForwardByFiring<TV>(ForwardIo io, KernelParameters p) : IFiringVisitor<bool> where TV : unmanaged, IVec<TV>
    {
        public bool Visit<TF>() where TF : struct, IFiringKernel { ForwardF<TV, TF>(io, p); return true; }
    }

    private static void ForwardF<TV, TF>(ForwardIo io, KernelParameters p) where TV : unmanaged, IVec<TV> where TF : struct, IFiringKernel
    {
        float beta = (float)p.Beta, vr = (float)p.Options.VReset;
        switch (p.Options.Dynamics)
        {
            case Dynamics.IF: ForwardLoop<TV, TF, IfCharge>(io, p, new IfCharge()); break;
            case Dynamics.LIF or Dynamics.PLIF when p.Options.DecayInput: ForwardLoop<TV, TF, LifDecayInputCharge>(io, p, new LifDecayInputCharge(beta, vr)); break;
            case Dynamics.LIF or Dynamics.PLIF: ForwardLoop<TV, TF, LifCharge>(io, p, new LifCharge(beta, vr)); break;
            default: throw UnknownOption.Of(p.Options.Dynamics, "dynamics");
        }
    }

    private static (double DBeta, double DVth) DispatchBackward(BackwardIo io, KernelParameters p) =>
        Use512() ? DispatchBackward<Vec512>(io, p) : DispatchBackward<Vec256>(io, p);

    /// <summary>The surrogate's record hands its derivative struct to <see cref="BackwardBySurrogate{TV}"/> (one virtual call per kernel call).</summary>
    private static (double DBeta, double DVth) DispatchBackward<TV>(BackwardIo io, KernelParameters p) where TV : unmanaged, IVec<TV> =>
        p.Options.Surrogate is IBuiltInSurrogate s
            ? s.Accept(new BackwardBySurrogate<TV>(io, p))
            : throw new NotSupportedException($"the fused CPU kernel has no vectorised form of surrogate {p.Options.Surrogate.GetType().Name} (supported: {Surrogates.Names})");

    /// <summary>The backward instantiated for one surrogate's derivative struct.</summary>
    private readonly struct BackwardBySurrogate<TV>(BackwardIo io, KernelParameters p) : ISurrogateDerivativeVisitor<(double, double)>
        where TV : unmanaged, IVec<TV>
    {
        public (double, double) Visit<TS>(TS derivative) where TS : struct, ISurrogateDerivative => BackwardS<TV, TS>(io, p, derivative);
    }

    private static (double, double) BackwardS<TV, TS>(BackwardIo io, KernelParameters p, TS surrogate)
        where TV : unmanaged, IVec<TV> where TS : struct, ISurrogateDerivative =>
        FiringRules.Select(p.Options.Mode, new BackwardByFiring<TV, TS>(io, p, surrogate));

    /// <summary>The backward instantiated for one surrogate and one firing rule (<see cref="FiringRules"/>).</summary>
    private sealed class BackwardByFiring<TV, TS>(BackwardIo io, KernelParameters p, TS surrogate) : IFiringVisitor<(double, double)>
        where TV : unmanaged, IVec<TV> where TS : struct, ISurrogateDerivative
    {
        public (double, double) Visit<TF>() where TF : struct, IFiringKernel => BackwardSF<TV, TS, TF>(io, p, surrogate);
    }

    private static (double, double) BackwardSF<TV, TS, TF>(BackwardIo io, KernelParameters p, TS surrogate)
        where TV : unmanaged, IVec<TV> where TS : struct, ISurrogateDerivative where TF : struct, IFiringKernel
    {
        float beta = (float)p.Beta, vr = (float)p.Options.VReset;
        return p.Options.Dynamics switch
        {
            Dynamics.IF => BackwardLoop<TV, TS, TF, IfCharge>(io, p, surrogate, new IfCharge()),
            Dynamics.LIF or Dynamics.PLIF when p.Options.DecayInput => BackwardLoop<TV, TS, TF, LifDecayInputCharge>(io, p, surrogate, new LifDecayInputCharge(beta, vr)),
            Dynamics.LIF or Dynamics.PLIF => BackwardLoop<TV, TS, TF, LifCharge>(io, p, surrogate, new LifCharge(beta, vr)),
            _ => throw UnknownOption.Of(p.Options.Dynamics, "dynamics"),
        };
    }

    /// <summary>Whether the reset is soft (<c>V = H - V_th O</c>) or hard; any other value throws, naming it.</summary>
    private static bool IsSoft(ResetMode reset) => reset switch
    {
        ResetMode.Soft => true,
        ResetMode.Hard => false,
        _ => throw UnknownOption.Of(reset, "reset"),
    };
}
