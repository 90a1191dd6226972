namespace MtSnn.Neurons;

/// <summary>
/// Sees the calls of a <see cref="MultiThresholdNode"/> (how <c>MtSnn.Monitoring.NetworkMonitor</c> records): the
/// trace of every forward, inside the node's dispose scope (copy what you keep), and every state reset.
/// </summary>
internal interface INodeObserver
{
    /// <summary>Whether the next call should keep <c>H</c> and <c>V</c> (which runs the composed reference).</summary>
    bool WantsMembrane { get; }

    /// <summary>
    /// One call: <paramref name="trace"/> has <c>Spikes</c> <c>[T, K, B, ...]</c> (T = 1 for a single-step call) and,
    /// when <see cref="WantsMembrane"/> was true, <c>H</c> and <c>V</c> <c>[T, B, ...]</c>; all detached.
    /// </summary>
    void OnForward(MultiThresholdNode node, NeuronTrace trace);

    /// <summary>The node's state was reset: the next call starts a new input sequence.</summary>
    void OnReset(MultiThresholdNode node);
}
