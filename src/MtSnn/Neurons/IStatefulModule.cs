namespace MtSnn.Neurons;

/// <summary>A module that keeps state across calls (the membrane V) until <see cref="ResetState"/>.</summary>
public interface IStatefulModule
{
    /// <summary>Forgets the state: the next call starts from the initial state (<c>V[-1] = V_init</c>).</summary>
    void ResetState();
}
