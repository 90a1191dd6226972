using System.Diagnostics;
using MtSnn.Cli;

namespace MtSnn.Tests.Reliability.Fuzz;

/// <summary>
/// Runs a seeded campaign against one <see cref="FuzzTarget"/> in this process: case i mutates seed (i mod seeds) with
/// <c>Random(seed * 1_000_003 + i)</c>, so any failure is reproduced from its case number. Per case: a time limit (a
/// watchdog thread flags a case still running after it: a hang) and a memory ceiling (bytes allocated on the reading
/// thread, <see cref="GC.GetAllocatedBytesForCurrentThread"/>, at most <see cref="CeilingBytes"/> plus 64 times the
/// input length: a reader that believes a length field instead of the bytes present goes over it).
/// </summary>
public static class FuzzRunner
{
    /// <summary>The fixed part of the per-case memory ceiling: 16 MiB.</summary>
    public const long CeilingBytes = 16 << 20;

    /// <summary>The outcome of a campaign.</summary>
    public sealed record Report(string Target, int Cases, int Rejected, int Accepted, IReadOnlyList<string> Crashes, IReadOnlyList<string> Hangs, IReadOnlyList<string> OverCeiling, TimeSpan Elapsed)
    {
        public bool Clean => Crashes.Count == 0 && Hangs.Count == 0 && OverCeiling.Count == 0;
        public override string ToString() =>
            $"{Target}: {Cases} cases, {Accepted} accepted, {Rejected} rejected with one line, {Crashes.Count} crashes, {Hangs.Count} hangs, {OverCeiling.Count} over the memory ceiling, {Elapsed.TotalSeconds:F1} s"
            + string.Concat(Crashes.Concat(Hangs).Concat(OverCeiling).Take(5).Select(f => "\n  " + f));
    }

    /// <summary>Runs <paramref name="cases"/> cases; <paramref name="caseLimit"/> is the per-case time limit.</summary>
    public static Report Run(FuzzTarget target, int cases, int seed, TimeSpan caseLimit, string scratchDir)
    {
        var crashes = new List<string>();
        var hangs = new List<string>();
        var over = new List<string>();
        int rejected = 0, accepted = 0;
        long currentStart = 0;   // Stopwatch ticks when the running case started, 0 when idle
        int currentCase = -1;
        var clock = Stopwatch.StartNew();
        string scratch = Path.Combine(scratchDir, $"{target.Name}.case");
        var worker = new Thread(() =>
        {
            for (int i = 0; i < cases; i++)
            {
                var r = new Random(unchecked(seed * 1_000_003 + i));
                byte[] input = Mutator.Mutate(target.Seeds[i % target.Seeds.Count], target.Fields, r);
                if (target.Reseal is not null && r.Next(2) == 0) input = target.Reseal(input);
                Volatile.Write(ref currentCase, i);
                Volatile.Write(ref currentStart, Stopwatch.GetTimestamp());
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    target.Read(input, scratch);
                    accepted++;
                }
                catch (Exception e) when (CliApp.IsBadInput(e) && !e.Message.Contains('\n'))
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    lock (crashes) crashes.Add($"case {i}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }
                Volatile.Write(ref currentStart, 0);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated > CeilingBytes + 64L * input.Length)
                    lock (over) over.Add($"case {i}: {allocated >> 20} MiB allocated for a {input.Length}-byte input");
            }
        }) { IsBackground = true, Name = $"fuzz {target.Name}" };
        worker.Start();
        while (!worker.Join(50))
        {
            long start = Volatile.Read(ref currentStart);
            if (start != 0 && Stopwatch.GetElapsedTime(start) > caseLimit)
            {
                hangs.Add($"case {Volatile.Read(ref currentCase)}: still running after {caseLimit.TotalSeconds:F0} s");
                break;   // the worker is abandoned (a background thread); the campaign fails
            }
        }
        lock (crashes) lock (over)
            return new Report(target.Name, cases, rejected, accepted, [.. crashes], hangs, [.. over], clock.Elapsed);
    }
}
