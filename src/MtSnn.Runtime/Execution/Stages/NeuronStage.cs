using System.Numerics;
using MtSnn.Neurons;
using MtSnn.Runtime.Counting;
using MtSnn.Runtime.Graph;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// A multi-threshold neuron layer (MT-SNN.md §2) in stored units (every constant divided by the input scale
/// at load time, so no multiplication by a scale happens here).
/// Charge: IF <c>H = V + X</c>; LIF/PLIF <c>H = V + (X - (V - V_reset)) / tau</c> or <c>H = V - (V - V_reset)/tau + X</c>,
/// the <c>/tau</c> a shift when <c>tau = 2^m</c>, else a counted leak multiplication.
/// Fire: single <c>S_1 = [H &gt;= V_th]</c>; parallel <c>S_k = [H &gt;= theta_k]</c>; cascade <c>R_1 = H</c>,
/// <c>S_k = [R_k &gt;= theta_k]</c>, <c>R_{k+1} = R_k - V_th lambda_k S_k</c>.
/// Reset: soft <c>V = H - V_th O</c> (cascade: <c>R_{K+1}</c>; parallel: one subtraction of a precomputed
/// <c>V_th O</c> per fired neuron), hard <c>V = V_reset</c> where any level fired.
/// </summary>
internal sealed class NeuronStage<T, TA> : Stage<T> where T : unmanaged, INumber<T> where TA : IArith<T>
{
    public required int InSlot { get; init; }
    public required int OutSlot { get; init; }
    public required int StateIndex { get; init; }
    public required Dynamics Dynamics { get; init => field = Enum.IsDefined(value) ? value : throw UnknownOption.Of(value, "dynamics"); }
    public required FiringMode Mode { get; init => field = Enum.IsDefined(value) ? value : throw UnknownOption.Of(value, "firing mode"); }
    public required ResetMode ResetRule { get; init => field = Enum.IsDefined(value) ? value : throw UnknownOption.Of(value, "reset"); }
    public required bool DecayInput { get; init; }
    /// <summary>theta_k in stored units.</summary>
    public required T[] Theta { get; init; }
    /// <summary>V_th lambda_k in stored units (cascade residual, single soft reset).</summary>
    public required T[] Sub { get; init; }
    /// <summary>Parallel soft reset: V_th O for n fired levels (the suffix K-n+1..K), n = 0..K.</summary>
    public required T[] SubByCount { get; init; }
    public required T VReset { get; init; }
    public required T VInit { get; init; }
    /// <summary>Leak is a shift by <see cref="LeakShift"/> bits (tau = 2^m); else multiply by <see cref="LeakMultiplier"/>.</summary>
    public required bool LeakIsShift { get; init; }
    public required int LeakShift { get; init; }
    public required T LeakMultiplier { get; init; }

    public override void Begin(Workspace<T> ws) => ws.State[StateIndex].AsSpan().Fill(VInit);

    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var x = ws.Dense[InSlot];
        var v = ws.State[StateIndex];
        var output = ws.Spikes[OutSlot];
        var count = output.Counts;
        int levels = Theta.Length, n = x.Length;
        if (n > v.Length || n > output.Codes.Length) throw new InvalidOperationException("neuron: buffer sizes");
        Array.Clear(count);
        long adds = 0, active = 0;
        int parts = Threads <= 1 || (long)n * (levels + 3) < IntraOp.MinParallelWork ? 1 : Math.Min(Threads, n / 1024 + 1);
        if (parts <= 1) (adds, active) = Range(x, v, output, 0, n, 0, count);
        else
        {
            // Part i writes its events at offset lo_i (its own region: at most hi_i - lo_i events), then the parts
            // are moved down in order, so the event lists are the ascending lists of one serial pass.
            int chunk = (n + parts - 1) / parts;
            var local = new int[parts][];
            var sums = new (long Adds, long Active)[parts];
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, i =>
            {
                int lo = Math.Min(n, i * chunk);
                local[i] = new int[levels];
                sums[i] = Range(x, v, output, lo, Math.Min(n, lo + chunk), lo, local[i]);
            });
            for (int i = 0; i < parts; i++)
            {
                for (int k = 0; k < levels; k++)
                {
                    Array.Copy(output.Events[k], Math.Min(n, i * chunk), output.Events[k], count[k], local[i][k]);
                    count[k] += local[i][k];
                }
                adds += sums[i].Adds;
                active += sums[i].Active;
            }
        }
        if (counts is null) return;
        bool vrZero = VReset == T.Zero, leaky = Dynamics != Dynamics.IF;
        long total = n;
        counts.AddAdditions(adds + total * (leaky ? (vrZero ? 2 : 3) : 1));
        if (leaky) counts.AddLeak(total, LeakIsShift);
        counts.AddComparisons(total * (Mode == FiringMode.Single ? 1 : levels));
        counts.AddFiring(total, active, count);
    }

    /// <summary>Elements <c>[lo, hi)</c>; level-k events go to <c>Events[k][eventBase + count[k]++]</c>.</summary>
    private (long Adds, long Active) Range(T[] x, T[] v, SpikeBuffer output, int lo, int hi, int eventBase, int[] count)
    {
        var codes = output.Codes;
        var events = output.Events;
        int levels = Theta.Length;
        bool vrZero = VReset == T.Zero, leaky = Dynamics != Dynamics.IF;
        // Every option hoisted into a local: the loop body then reads no fields (the stores to v and codes
        // would otherwise force a reload of each property per element).
        var theta = Theta;
        var sub = Sub;
        var subByCount = SubByCount;
        var mode = Mode;
        bool soft = ResetRule == ResetMode.Soft, decayInput = DecayInput, leakIsShift = LeakIsShift;
        int leakShift = LeakShift;
        T vReset = VReset, leakMultiplier = LeakMultiplier;
        long adds = 0, active = 0;
        for (int i = lo; i < hi; i++)
        {
            T vi = v[i], h;
            if (!leaky) h = vi + x[i];
            else
            {
                T rel = vrZero ? vi : vi - vReset;
                T leak = leakIsShift ? TA.ShiftRight(decayInput ? x[i] - rel : rel, leakShift) : TA.Mul(decayInput ? x[i] - rel : rel, leakMultiplier);
                h = decayInput ? vi + leak : vi - leak + x[i];
            }
            int code = 0;
            T next = h;
            switch (mode)
            {
                case FiringMode.Single:
                    if (h >= theta[0]) { code = 1; if (soft) { next = h - sub[0]; adds++; } }
                    break;
                case FiringMode.Parallel:
                    int fired = 0;
                    for (int k = 0; k < levels; k++)
                        if (h >= theta[k]) { code |= 1 << k; fired++; }
                    if (fired > 0 && soft) { next = h - subByCount[fired]; adds++; }
                    break;
                case FiringMode.Cascade:
                    T r = h;
                    for (int k = 0; k < levels; k++)
                        if (r >= theta[k]) { code |= 1 << k; r -= sub[k]; adds++; }
                    if (soft) next = r;
                    break;
                default:
                    throw UnknownOption.Of(mode, "firing mode");
            }
            if (code != 0)
            {
                active++;
                if (!soft) next = vReset;
                for (int k = 0, c = code; c != 0; k++, c >>= 1)
                    if ((c & 1) != 0) events[k][eventBase + count[k]++] = i;
            }
            codes[i] = (ushort)code;
            v[i] = next;
        }
        return (adds, active);
    }
}
