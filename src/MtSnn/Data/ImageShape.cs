namespace MtSnn.Data;

/// <summary>Shape of one image in channel-major (CHW) layout: element (c, y, x) sits at <c>(c * Height + y) * Width + x</c>.</summary>
public readonly record struct ImageShape
{
    /// <summary>Creates a shape; every dimension must be at least 1.</summary>
    public ImageShape(int channels, int height, int width)
    {
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(channels), $"image shape [{channels},{height},{width}] is invalid: every dimension must be >= 1");
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Number of channels C.</summary>
    public int Channels { get; }
    /// <summary>Height H in pixels.</summary>
    public int Height { get; }
    /// <summary>Width W in pixels.</summary>
    public int Width { get; }
    /// <summary>Pixels in one plane, H * W.</summary>
    public int PlaneSize => Height * Width;
    /// <summary>Elements in one image, C * H * W.</summary>
    public int Size => Channels * Height * Width;

    /// <inheritdoc/>
    public override string ToString() => $"[{Channels},{Height},{Width}]";
}
