namespace MtSnn.Runtime.Execution;

/// <summary>
/// Splits one stage's work over threads by disjoint output ranges: every output element is computed by exactly
/// one worker in the same order as the serial loop, so results and counts do not depend on the thread count.
/// </summary>
internal static class IntraOp
{
    /// <summary>Below this many scalar operations a stage runs serially (a fork/join costs microseconds).</summary>
    public const long MinParallelWork = 100_000;

    /// <summary>
    /// Runs <paramref name="body"/>(lo, hi) over a partition of <c>[0, n)</c> into at most
    /// <paramref name="threads"/> ranges whose bounds are multiples of <paramref name="align"/> (except n).
    /// </summary>
    public static void For(int threads, long work, int n, int align, Action<int, int> body)
    {
        int parts = work < MinParallelWork ? 1 : Math.Min(threads, (n + align - 1) / align);
        if (parts <= 1) { body(0, n); return; }
        int chunk = (n + parts - 1) / parts;
        chunk = (chunk + align - 1) / align * align;
        parts = (n + chunk - 1) / chunk;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, i => body(i * chunk, Math.Min(n, (i + 1) * chunk)));
    }
}
