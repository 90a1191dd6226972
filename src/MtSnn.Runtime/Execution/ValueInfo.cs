using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Execution;

/// <summary>A spike plane at compile time: level <c>Level</c> of the spike slot <c>Slot</c>, output weight <c>lambda</c>.</summary>
internal readonly record struct Plane(int Slot, int Level, double Lambda);

/// <summary>
/// What the compiler knows about a layer's output. Dense values hold <c>stored = true / Scale</c>. Spike values
/// are a list of binary planes (one neuron layer's K levels, or the union of several after a SEW add).
/// A pending average pooling of spikes (<see cref="FoldSource"/>) is folded into the next synaptic layer when
/// possible, else materialised as a window sum. Physical layout: model input CHW, everything produced HWC;
/// a flattened value keeps its source's order and records <see cref="Perm"/> (logical CHW index to physical).
/// </summary>
internal sealed class ValueInfo
{
    public required Shape3 Shape { get; init; }
    public bool Chw { get; init; }
    public int[]? Perm { get; init; }
    public bool Spike { get; init; }
    public double Scale { get; init; } = 1;
    public Plane[] Planes { get; init; } = [];
    /// <summary>Dense slot, or the spike slot of a single-source spike value; -1 for a plane union or a pending fold.</summary>
    public int Slot { get; init; } = -1;
    public bool Static { get; init; }
    public ValueInfo? FoldSource { get; init; }
    public int FoldKernel { get; init; }
    public bool Flattened { get; init; }
    public ValueInfo? Materialized { get; set; }

    public bool SingleSource => Spike && Slot >= 0;

    /// <summary>Physical index of logical (C, H, W order) index j.</summary>
    public int Physical(int j)
    {
        if (Perm is not null) return Perm[j];
        if (Chw || Shape.IsVector) return j;
        int x = j % Shape.W, y = j / Shape.W % Shape.H, c = j / (Shape.W * Shape.H);
        return (y * Shape.W + x) * Shape.C + c;
    }

    /// <summary>Logical index of every physical index.</summary>
    public int[] LogicalOfPhysical()
    {
        var inv = new int[Shape.Size];
        for (int j = 0; j < inv.Length; j++) inv[Physical(j)] = j;
        return inv;
    }

    /// <summary>Strides (C, Y, X) of a 3-D value in its physical layout.</summary>
    public (int C, int Y, int X) Strides =>
        Perm is not null && !Shape.IsVector ? throw new NotSupportedException("flattened value used as 3-D")
        : Chw ? (Shape.H * Shape.W, Shape.W, 1) : (1, Shape.W * Shape.C, Shape.C);

    /// <summary>Same physical layout (so element-wise ops can pair elements by index).</summary>
    public bool SameLayout(ValueInfo other) =>
        Shape == other.Shape && (Shape.IsVector && Perm is null && other.Perm is null
            || Perm is null && other.Perm is null && Chw == other.Chw
            || Perm is not null && other.Perm is not null && Perm.AsSpan().SequenceEqual(other.Perm));
}
