using System.Numerics;
using MtSnn.Runtime.Counting;

namespace MtSnn.Runtime.Execution;

/// <summary>Residual add of two dense values: <c>Y = A + align(B)</c>, where align is nothing, a shift (scales differ by 2^m) or a counted multiplication.</summary>
internal sealed class DenseAddStage<T, TA> : Stage<T> where T : unmanaged, INumber<T> where TA : IArith<T>
{
    public required int ASlot { get; init; }
    public required int BSlot { get; init; }
    public required int OutSlot { get; init; }
    /// <summary>0: B as is; &gt; 0: B shifted left by this many bits; &lt; 0: B shifted right.</summary>
    public required int Shift { get; init; }
    public required bool Multiply { get; init; }
    public required T Multiplier { get; init; }

    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var a = ws.Dense[ASlot];
        var b = ws.Dense[BSlot];
        var y = ws.Dense[OutSlot];
        for (int i = 0; i < y.Length; i++)
        {
            T bi = Multiply ? TA.Mul(b[i], Multiplier) : Shift > 0 ? TA.ShiftLeft(b[i], Shift) : Shift < 0 ? TA.ShiftRight(b[i], -Shift) : b[i];
            y[i] = a[i] + bi;
        }
        if (counts is null) return;
        counts.AddAdditions(y.Length);
        if (Multiply) counts.AddMultiplications(y.Length);
        else if (Shift != 0) counts.AddShifts(y.Length);
    }
}

/// <summary>
/// Adds spikes into a dense value, event by event: <c>Y = A + sum_p (lambda_p / scale) S_p</c>, one addition per
/// spike (A absent: spikes to a dense value, e.g. before a read-out or a non-folded average pooling).
/// </summary>
internal sealed class SpikeToDenseStage<T> : Stage<T> where T : unmanaged, INumber<T>
{
    public required int ASlot { get; init; }
    public required (int Slot, int Level, T Value)[] Planes { get; init; }
    public required int OutSlot { get; init; }

    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var y = ws.Dense[OutSlot];
        if (ASlot >= 0) ws.Dense[ASlot].AsSpan().CopyTo(y); else Array.Clear(y);
        long adds = 0;
        foreach (var (slot, level, value) in Planes)
        {
            var active = ws.Spikes[slot].Active(level);
            foreach (int e in active) y[e] += value;
            adds += active.Length;
        }
        counts?.AddAdditions(adds);
    }
}

/// <summary>The read-out accumulator: <c>Sum += X[t]</c> each step (logits are <c>Sum scale / T</c>, taken by the engine).</summary>
internal sealed class OutputStage<T> : Stage<T> where T : unmanaged, INumber<T>
{
    public required int InSlot { get; init; }
    public required int StateIndex { get; init; }
    /// <summary>Logit j is at physical index <c>Index[j]</c> of the input.</summary>
    public required int[] Index { get; init; }

    public override void Begin(Workspace<T> ws) => Array.Clear(ws.State[StateIndex]);

    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var x = ws.Dense[InSlot];
        var sum = ws.State[StateIndex];
        for (int j = 0; j < sum.Length; j++) sum[j] += x[Index[j]];
        counts?.AddAdditions(sum.Length);
    }
}
