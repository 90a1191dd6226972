namespace MtSnn.Runtime.Graph;

/// <summary>A value's shape <c>[C, H, W]</c>; a vector of N is <c>[N, 1, 1]</c>.</summary>
public readonly record struct Shape3(int C, int H, int W)
{
    /// <summary>Number of elements <c>C H W</c>.</summary>
    public int Size => C * H * W;

    /// <summary>True when <c>H = W = 1</c>.</summary>
    public bool IsVector => H == 1 && W == 1;

    /// <inheritdoc/>
    public override string ToString() => $"[{C}, {H}, {W}]";
}
