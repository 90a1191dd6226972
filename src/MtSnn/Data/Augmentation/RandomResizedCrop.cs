namespace MtSnn.Data;

/// <summary>
/// RandomResizedCrop (the ImageNet recipe, as torchvision): pick a region of area <c>s * H * W</c>, s uniform in
/// <see cref="ScaleMin"/>..<see cref="ScaleMax"/>, aspect ratio r log-uniform in <see cref="RatioMin"/>..<see cref="RatioMax"/>
/// (w = round(sqrt(s H W r)), h = round(sqrt(s H W / r)), up to 10 tries, else the centre crop with r clamped), at a uniform
/// position, and resize it bilinearly (half-pixel centres) to <see cref="Height"/> x <see cref="Width"/>:
/// <c>y[c, i, j] = bilinear(x[c], top + (i + 0.5) h / Height - 0.5, left + (j + 0.5) w / Width - 0.5)</c>, edges clamped.
/// </summary>
public sealed record RandomResizedCrop : ImageTransform
{
    /// <summary>Creates the transform; sizes &gt;= 1, 0 &lt; scaleMin &lt;= scaleMax &lt;= 1, 0 &lt; ratioMin &lt;= ratioMax.</summary>
    public RandomResizedCrop(int height, int width, double scaleMin = 0.08, double scaleMax = 1.0, double ratioMin = 3.0 / 4, double ratioMax = 4.0 / 3)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"RandomResizedCrop size {height}x{width} is invalid; both must be >= 1");
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1))
            throw new ArgumentOutOfRangeException(nameof(scaleMin), $"RandomResizedCrop scale ({scaleMin}, {scaleMax}) is invalid; need 0 < min <= max <= 1");
        if (!(ratioMin > 0 && ratioMin <= ratioMax && double.IsFinite(ratioMax)))
            throw new ArgumentOutOfRangeException(nameof(ratioMin), $"RandomResizedCrop ratio ({ratioMin}, {ratioMax}) is invalid; need 0 < min <= max, finite");
        (Height, Width, ScaleMin, ScaleMax, RatioMin, RatioMax) = (height, width, scaleMin, scaleMax, ratioMin, ratioMax);
    }

    /// <summary>Output height.</summary>
    public int Height { get; }
    /// <summary>Output width.</summary>
    public int Width { get; }
    /// <summary>Smallest fraction of the image area.</summary>
    public double ScaleMin { get; }
    /// <summary>Largest fraction of the image area.</summary>
    public double ScaleMax { get; }
    /// <summary>Smallest aspect ratio w / h.</summary>
    public double RatioMin { get; }
    /// <summary>Largest aspect ratio w / h.</summary>
    public double RatioMax { get; }

    /// <inheritdoc/>
    public override ImageShape OutputShape(ImageShape input) => new(input.Channels, Height, Width);

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> src, ImageShape shape, Span<float> dst, ref SampleRandom rng)
    {
        var (top, left, h, w) = PickRegion(shape.Height, shape.Width, ref rng);
        ResizeRegion(src, shape, top, left, h, w, dst, Height, Width);
    }

    /// <summary>The region (top, left, h, w) the transform crops from an H x W image.</summary>
    public (int Top, int Left, int H, int W) PickRegion(int imageH, int imageW, ref SampleRandom rng)
    {
        double area = (double)imageH * imageW;
        double logLo = Math.Log(RatioMin), logHi = Math.Log(RatioMax);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * rng.NextDouble(ScaleMin, ScaleMax);
            double ratio = Math.Exp(rng.NextDouble(logLo, logHi));
            int w = (int)Math.Round(Math.Sqrt(target * ratio));
            int h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && w <= imageW && h > 0 && h <= imageH)
                return (rng.NextInt(imageH - h + 1), rng.NextInt(imageW - w + 1), h, w);
        }
        double inRatio = (double)imageW / imageH;
        int cw, ch;
        if (inRatio < RatioMin) { cw = imageW; ch = Math.Max(1, (int)Math.Round(cw / RatioMin)); }
        else if (inRatio > RatioMax) { ch = imageH; cw = Math.Max(1, (int)Math.Round(ch * RatioMax)); }
        else { cw = imageW; ch = imageH; }
        ch = Math.Min(ch, imageH);
        cw = Math.Min(cw, imageW);
        return ((imageH - ch) / 2, (imageW - cw) / 2, ch, cw);
    }

    /// <summary>Bilinear resize (half-pixel centres, clamped edges) of the region (top, left, h, w) of <paramref name="src"/> to outH x outW.</summary>
    public static void ResizeRegion(ReadOnlySpan<float> src, ImageShape shape, int top, int left, int h, int w, Span<float> dst, int outH, int outW)
    {
        int imgH = shape.Height, imgW = shape.Width, plane = shape.PlaneSize;
        double sy = (double)h / outH, sx = (double)w / outW;
        for (int i = 0; i < outH; i++)
        {
            double fy = Math.Clamp(top + (i + 0.5) * sy - 0.5, top, top + h - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, imgH - 1);
            float ty = (float)(fy - y0);
            for (int j = 0; j < outW; j++)
            {
                double fx = Math.Clamp(left + (j + 0.5) * sx - 0.5, left, left + w - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, imgW - 1);
                float tx = (float)(fx - x0);
                for (int c = 0; c < shape.Channels; c++)
                {
                    int b = c * plane;
                    float a00 = src[b + y0 * imgW + x0], a01 = src[b + y0 * imgW + x1];
                    float a10 = src[b + y1 * imgW + x0], a11 = src[b + y1 * imgW + x1];
                    float top0 = a00 + (a01 - a00) * tx, bot = a10 + (a11 - a10) * tx;
                    dst[c * outH * outW + i * outW + j] = top0 + (bot - top0) * ty;
                }
            }
        }
    }
}
