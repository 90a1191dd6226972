namespace MtSnn.Interop.Nir;

/// <summary>
/// The discretisation that links the engine's per-step neuron (MT-SNN.md §2) to NIR's continuous-time primitives
/// (forward Euler with step <see cref="Dt"/>, as the NIR consumers of discrete-time simulators do):
/// <c>I</c>: <c>v[t] = v[t-1] + dt r x[t]</c>; <c>LI</c>/<c>LIF</c>: <c>v[t] = v[t-1] + (dt/tau)(v_leak - v[t-1] + r x[t])</c>.
/// So IF is <c>r = 1/dt</c>; LIF with decay <c>d = 1/tau_step</c> is <c>tau = dt/d</c>, <c>v_leak = V_reset</c>, and
/// <c>r = 1</c> (decay_input: <c>H = V + d(X - (V - V_reset))</c>) or <c>r = 1/d</c> (<c>H = V - d(V - V_reset) + X</c>).
/// NIR fires on <c>v &gt; threshold</c>, the engine on <c>H &gt;= theta</c>: the file holds the largest float32 below
/// theta, so a float32 consumer's strict comparison is the engine's.
/// </summary>
public static class NirConventions
{
    /// <summary>The time step written to the graph metadata (<c>dt</c>) and used for every tau.</summary>
    public const double Dt = 1.0;

    /// <summary>The NIR threshold for the engine threshold theta: the largest float32 below <c>(float)theta</c>.</summary>
    public static double ToNirThreshold(double theta) => MathF.BitDecrement((float)theta);

    /// <summary>The engine threshold for a NIR threshold written by <see cref="ToNirThreshold"/>.</summary>
    public static double FromNirThreshold(double threshold) => MathF.BitIncrement((float)threshold);

    /// <summary>NIR tau for the per-step decay <c>d = 1/tau_step</c>.</summary>
    public static double Tau(double decay) => Dt / decay;

    /// <summary>Per-step decay for a NIR tau.</summary>
    public static double Decay(double tau) => Dt / tau;
}
