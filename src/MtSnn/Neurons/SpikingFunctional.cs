using TorchSharp;

namespace MtSnn.Neurons;

/// <summary>Network-level helpers, as SpikingJelly's <c>functional</c>.</summary>
public static class SpikingFunctional
{
    /// <summary>
    /// Resets every <see cref="IStatefulModule"/> in <paramref name="net"/> (the net itself and all nested
    /// modules); call it between independent input sequences (batches).
    /// </summary>
    public static void ResetNet(torch.nn.Module net)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (net is IStatefulModule self) self.ResetState();
        foreach (var module in net.modules())
            if (!ReferenceEquals(module, net) && module is IStatefulModule stateful) stateful.ResetState();
    }
}
