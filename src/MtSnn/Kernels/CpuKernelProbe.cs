namespace MtSnn.Kernels;

/// <summary>
/// The test seam of the fused CPU kernel: a probe installed on a thread (<see cref="CpuNeuronKernel.UseVectorBits"/>,
/// <see cref="CpuNeuronKernel.Observe"/>) overrides the vector width of that thread's kernel calls and records the width
/// each ran with. The kernel looks it up once per call, outside its loops; while no probe is alive in the process the
/// look-up is one static read. Probes nest (an inner one without a width keeps the outer one's) and are disposed in
/// reverse order.
/// </summary>
internal sealed class CpuKernelProbe : IDisposable
{
    private static int s_alive;
    [ThreadStatic] private static CpuKernelProbe? t_current;

    private readonly CpuKernelProbe? _previous;
    private int _disposed;

    internal CpuKernelProbe(int vectorBits)
    {
        _previous = t_current;
        VectorBits = vectorBits != 0 ? vectorBits : _previous?.VectorBits ?? 0;
        t_current = this;
        Interlocked.Increment(ref s_alive);
    }

    /// <summary>This thread's innermost probe, or null (always null while no probe is alive).</summary>
    internal static CpuKernelProbe? Current => Volatile.Read(ref s_alive) == 0 ? null : t_current;

    /// <summary>The width the kernel runs with on this thread (256 or 512), or 0: the process's width.</summary>
    public int VectorBits { get; }

    /// <summary>The width of the last kernel call on this thread since the probe was installed (0: none yet).</summary>
    public int LastVectorBits { get; set; }

    /// <summary>Puts back the probe that was current before this one.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        t_current = _previous;
        Interlocked.Decrement(ref s_alive);
    }
}
