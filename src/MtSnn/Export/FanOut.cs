using MtSnn.Runtime.Graph;

namespace MtSnn.Export;

/// <summary>
/// The exact number of synapses each input position has in a synaptic layer (MT-SNN.md §4, <c>fan_out(i)</c>),
/// derived in closed form from the layer geometry. A spike at position i costs <c>fan_out(i)</c> accumulates.
/// </summary>
public static class FanOut
{
    /// <summary>
    /// One dimension of a convolution: the number of (output o, kernel offset kappa) pairs with
    /// <c>o s - p + kappa = y</c>, <c>0 &lt;= o &lt; outSize</c>, <c>0 &lt;= kappa &lt; k</c>, i.e. the outputs
    /// <c>o</c> in <c>[ceil((y + p - k + 1) / s), floor((y + p) / s)]</c> clipped to <c>[0, outSize)</c>.
    /// Edge positions of a padded conv have fewer; positions a stride skips past the last window have none.
    /// </summary>
    public static int Taps(int y, int kernel, int stride, int padding, int outSize)
    {
        int top = y + padding, bottom = y + padding - kernel + 1;
        int hi = Math.Min(outSize - 1, top / stride);
        int lo = Math.Max(0, bottom <= 0 ? 0 : (bottom + stride - 1) / stride);
        return Math.Max(0, hi - lo + 1);
    }

    /// <summary>Conv2d: <c>fan_out(c, y, x) = C_out taps_H(y) taps_W(x)</c> for every input position in CHW order.</summary>
    public static int[] Conv(Conv2dSpec conv, Shape3 input, Shape3 output)
    {
        ArgumentNullException.ThrowIfNull(conv);
        var fan = new int[input.Size];
        for (int y = 0; y < input.H; y++)
        {
            int ty = Taps(y, conv.Kernel, conv.Stride, conv.Padding, output.H);
            for (int x = 0; x < input.W; x++)
            {
                int n = conv.OutChannels * ty * Taps(x, conv.Kernel, conv.Stride, conv.Padding, output.W);
                for (int c = 0; c < input.C; c++) fan[(c * input.H + y) * input.W + x] = n;
            }
        }
        return fan;
    }

    /// <summary>Linear: every input feeds every output, <c>fan_out(i) = out_features</c>.</summary>
    public static int[] Linear(LinearSpec linear, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(linear);
        var fan = new int[inputSize];
        Array.Fill(fan, linear.OutFeatures);
        return fan;
    }

    /// <summary>
    /// An average pooling with stride = kernel p folded into the next layer: source position (c, y, x) is read
    /// through the pooled position (c, y / p, x / p) and has its fan-out; positions cut off by the floor (no window)
    /// have 0.
    /// </summary>
    public static int[] ThroughAvgPool(ReadOnlySpan<int> pooledFanOut, Shape3 source, int kernel)
    {
        int ph = (source.H - kernel) / kernel + 1, pw = (source.W - kernel) / kernel + 1;
        if (pooledFanOut.Length != source.C * ph * pw)
            throw new ArgumentException($"pooled fan-out has {pooledFanOut.Length} entries, the pooled shape [{source.C}, {ph}, {pw}] has {source.C * ph * pw}");
        var fan = new int[source.Size];
        for (int c = 0; c < source.C; c++)
            for (int y = 0; y < source.H; y++)
                for (int x = 0; x < source.W; x++)
                {
                    int py = y / kernel, px = x / kernel;
                    fan[(c * source.H + y) * source.W + x] = py < ph && px < pw ? pooledFanOut[(c * ph + py) * pw + px] : 0;
                }
        return fan;
    }
}
