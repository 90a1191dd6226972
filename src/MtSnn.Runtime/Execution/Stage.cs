using System.Numerics;
using MtSnn.Runtime.Counting;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// One executable step of a compiled graph, run once per time step (or once per inference when
/// <see cref="Static"/>: every input is time-invariant). Counts go to the layer's <see cref="LayerCounts"/>.
/// </summary>
internal abstract class Stage<T> where T : unmanaged, INumber<T>
{
    /// <summary>Graph layer whose counts this stage charges.</summary>
    public required int Layer { get; init; }
    /// <summary>Inputs are identical at every step: run once, reuse T times.</summary>
    public bool Static { get; init; }
    /// <summary>Threads one call may use for its own work (<see cref="EngineOptions.IntraOpThreads"/>).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Clears state before an inference.</summary>
    public virtual void Begin(Workspace<T> ws) { }

    /// <summary>Runs one step. <paramref name="convention"/> is T for static stages, else 1 (MAC convention).</summary>
    public abstract void Run(Workspace<T> ws, LayerCounts? counts, int convention);
}
