using System.Numerics;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// The binary planes <c>S_k</c> of one spike value at the current step, kept two ways: <see cref="Codes"/>
/// (bit k-1 of element i is <c>S_k[i]</c>) and, per level, the list of active indices (the events a
/// downstream layer iterates; zeros are never visited).
/// </summary>
internal sealed class SpikeBuffer
{
    public SpikeBuffer(int size, int levels)
    {
        Codes = new ushort[size];
        Events = [.. Enumerable.Range(0, levels).Select(_ => new int[size])];
        Counts = new int[levels];
    }

    public ushort[] Codes { get; }
    public int[][] Events { get; }
    public int[] Counts { get; }

    /// <summary>The active indices of level k (0-based) at this step.</summary>
    public ReadOnlySpan<int> Active(int k) => Events[k].AsSpan(0, Counts[k]);
}

/// <summary>Per-inference buffers of an engine: one slot per value, one state array per stateful stage.</summary>
internal sealed class Workspace<T> where T : unmanaged, INumber<T>
{
    public Workspace(IReadOnlyList<SlotSpec> slots, IReadOnlyList<int> states, int inputSize)
    {
        Input = new float[inputSize];
        Dense = new T[slots.Count][];
        Spikes = new SpikeBuffer[slots.Count];
        for (int i = 0; i < slots.Count; i++)
        {
            if (slots[i].Levels > 0) Spikes[i] = new SpikeBuffer(slots[i].Size, slots[i].Levels);
            else Dense[i] = new T[slots[i].Size];
        }
        State = [.. states.Select(n => new T[n])];
    }

    /// <summary>The model input of the current inference (CHW).</summary>
    public float[] Input { get; }
    public T[][] Dense { get; }
    public SpikeBuffer[] Spikes { get; }
    public T[][] State { get; }
}

/// <summary>A value slot: dense (Levels = 0) or spikes with the given number of levels.</summary>
internal readonly record struct SlotSpec(int Size, int Levels);
