namespace MtSnn.Tests.Models;

/// <summary>
/// Parameter counts of the published layers, by formula (independent of the code under test):
/// a k x k convolution without bias has <c>k^2 C_in C_out</c>, batch norm <c>2 C</c> (gamma, beta; running
/// statistics are buffers), a linear layer <c>F_in F_out + F_out</c>.
/// </summary>
internal static class ParameterCount
{
    public static long Conv(int kernel, long cin, long cout) => (long)kernel * kernel * cin * cout;
    public static long Bn(long c) => 2 * c;
    public static long ConvBn(int kernel, long cin, long cout) => Conv(kernel, cin, cout) + Bn(cout);
    public static long Linear(long fin, long fout) => fin * fout + fout;

    /// <summary>A basic block: two 3x3 conv-BN, plus a 1x1 conv-BN projection when the shape changes (option B).</summary>
    public static long BasicBlock(long cin, long cout, bool projection) =>
        ConvBn(3, cin, cout) + ConvBn(3, cout, cout) + (projection ? ConvBn(1, cin, cout) : 0);

    /// <summary>The stages of a ResNet: the first block of a stage projects when its width differs from the input's (or it strides).</summary>
    public static long Stages(long stemWidth, int[] widths, int[] blocks, int[] strides, bool zeroPadShortcut = false)
    {
        long total = 0, cin = stemWidth;
        for (int i = 0; i < widths.Length; i++)
            for (int b = 0; b < blocks[i]; b++)
            {
                bool changes = b == 0 && (strides[i] != 1 || cin != widths[i]);
                total += BasicBlock(cin, widths[i], changes && !zeroPadShortcut);
                cin = widths[i];
            }
        return total;
    }

    /// <summary>torchvision's ImageNet ResNet with basic blocks: 7x7 stem 64, stages x [64, 128, 256, 512], fc 512 -&gt; classes.</summary>
    public static long ImageNetResNet(int[] blocks, int classes = 1000, int inChannels = 3) =>
        ConvBn(7, inChannels, 64) + Stages(64, [64, 128, 256, 512], blocks, [1, 2, 2, 2]) + Linear(512, classes);

    /// <summary>A CIFAR VGG: 3x3 conv-BN per number of the configuration (0 = pooling), then FC(last width -&gt; classes).</summary>
    public static long Vgg(int[] configuration, int classes, int inChannels = 3)
    {
        long total = 0, cin = inChannels;
        foreach (int width in configuration)
        {
            if (width == 0) continue;
            total += ConvBn(3, cin, width);
            cin = width;
        }
        return total + Linear(cin, classes);
    }
}
