using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Models;

/// <summary>
/// The stateless half of a spiking conv layer, <c>Y = BN(W * X)</c>, folded over time by <see cref="SeqToBatch"/>.
/// The convolution has no bias (batch norm's shift <c>beta</c> makes it redundant); its parameters are
/// <c>C_in C_out k^2</c> weights plus <c>2 C_out</c> for BN's <c>gamma</c> and <c>beta</c>.
/// </summary>
internal static class ConvBn
{
    /// <summary><c>SeqToBatch(conv k x k (stride, padding, no bias) -&gt; batch norm)</c> (<see cref="SyncBatchNorm2d"/>: plain batch norm unless <c>--sync-bn</c> attaches a group); submodules <c>module.conv</c>, <c>module.bn</c>.</summary>
    public static SeqToBatch Create(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0) =>
        new(nn.Sequential(
            ("conv", nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, bias: false)),
            ("bn", new SyncBatchNorm2d(outChannels))));
}
