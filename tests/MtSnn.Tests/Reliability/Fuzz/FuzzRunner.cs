using System.Diagnostics;
using System.Text.Json;
using MtSnn.Cli;

namespace MtSnn.Tests.Reliability.Fuzz;

/// <summary>
/// Runs a seeded campaign against one <see cref="FuzzTarget"/> in this process: case i mutates seed (i mod seeds) with
/// <c>Random(seed * 1_000_003 + i)</c>, so any failure is reproduced from its case number. Per case: a time limit (a
/// watchdog thread flags a case still running after it: a hang) and a memory ceiling (bytes allocated on the reading
/// thread, <see cref="GC.GetAllocatedBytesForCurrentThread"/>, at most <see cref="CeilingBytes"/> plus 64 times the
/// input length: a reader that believes a length field instead of the bytes present goes over it).
/// <para>
/// Cases run in blocks of <see cref="BlockSize"/>. With a progress file, each finished block appends one JSON line
/// (<see cref="Block"/>) and a restarted campaign skips the blocks already recorded for its target and seed, so a long
/// campaign reports partial progress and resumes where it stopped.
/// </para>
/// </summary>
public static class FuzzRunner
{
    /// <summary>The fixed part of the per-case memory ceiling: 16 MiB.</summary>
    public const long CeilingBytes = 16 << 20;

    /// <summary>Cases per progress block.</summary>
    public const int BlockSize = 1000;

    /// <summary>One finished block of cases [First, First + Cases) of a target, as written to the progress file.</summary>
    public sealed record Block(string Target, int Seed, int First, int Cases, int Accepted, int Rejected, string[] Crashes, string[] Hangs, string[] OverCeiling, double Seconds);

    /// <summary>The outcome of a campaign.</summary>
    public sealed record Report(string Target, int Cases, int Rejected, int Accepted, IReadOnlyList<string> Crashes, IReadOnlyList<string> Hangs, IReadOnlyList<string> OverCeiling, TimeSpan Elapsed)
    {
        public bool Clean => Crashes.Count == 0 && Hangs.Count == 0 && OverCeiling.Count == 0;
        public override string ToString() =>
            $"{Target}: {Cases} cases, {Accepted} accepted, {Rejected} rejected with one line, {Crashes.Count} crashes, {Hangs.Count} hangs, {OverCeiling.Count} over the memory ceiling, {Elapsed.TotalSeconds:F1} s"
            + string.Concat(Crashes.Concat(Hangs).Concat(OverCeiling).Take(5).Select(f => "\n  " + f));

        /// <summary>The sum of a target's blocks (those of an earlier, interrupted run included).</summary>
        public static Report Of(string target, IEnumerable<Block> blocks)
        {
            var b = blocks.ToList();
            return new Report(target, b.Sum(x => x.Cases), b.Sum(x => x.Rejected), b.Sum(x => x.Accepted),
                [.. b.SelectMany(x => x.Crashes)], [.. b.SelectMany(x => x.Hangs)], [.. b.SelectMany(x => x.OverCeiling)],
                TimeSpan.FromSeconds(b.Sum(x => x.Seconds)));
        }
    }

    private static readonly object ProgressLock = new();

    /// <summary>The blocks recorded in a progress file (none when it does not exist).</summary>
    public static IReadOnlyList<Block> ReadProgress(string? progressFile) =>
        progressFile is null || !File.Exists(progressFile)
            ? []
            : [.. File.ReadAllLines(progressFile).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<Block>(l)!)];

    /// <summary>
    /// Runs cases 0 .. <paramref name="cases"/> - 1 (skipping blocks <paramref name="progressFile"/> already holds for
    /// this target and seed); <paramref name="caseLimit"/> is the per-case time limit. The report covers the recorded
    /// blocks too. A hang ends the campaign of this target.
    /// </summary>
    public static Report Run(FuzzTarget target, int cases, int seed, TimeSpan caseLimit, string scratchDir, string? progressFile = null)
    {
        var done = ReadProgress(progressFile).Where(b => b.Target == target.Name && b.Seed == seed && b.First < cases).ToList();
        var doneFirst = done.Select(b => b.First).ToHashSet();
        var blocks = new List<Block>(done);
        string scratch = Path.Combine(scratchDir, $"{target.Name}.case");
        for (int first = 0; first < cases; first += BlockSize)
        {
            if (doneFirst.Contains(first)) continue;
            var block = RunBlock(target, first, Math.Min(BlockSize, cases - first), seed, caseLimit, scratch);
            blocks.Add(block);
            if (progressFile is not null)
                lock (ProgressLock) File.AppendAllText(progressFile, JsonSerializer.Serialize(block) + "\n");
            if (block.Hangs.Length > 0) break;   // the hung worker is abandoned; this target's campaign stops
        }
        return Report.Of(target.Name, blocks.OrderBy(b => b.First));
    }

    private static Block RunBlock(FuzzTarget target, int first, int count, int seed, TimeSpan caseLimit, string scratch)
    {
        var crashes = new List<string>();
        var hangs = new List<string>();
        var over = new List<string>();
        int rejected = 0, accepted = 0, finished = 0;
        long currentStart = 0;   // Stopwatch ticks when the running case started, 0 when idle
        int currentCase = -1;
        var clock = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            for (int i = first; i < first + count; i++)
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
                Volatile.Write(ref finished, i - first + 1);
            }
        }) { IsBackground = true, Name = $"fuzz {target.Name}" };
        worker.Start();
        while (!worker.Join(50))
        {
            long start = Volatile.Read(ref currentStart);
            if (start != 0 && Stopwatch.GetElapsedTime(start) > caseLimit)
            {
                hangs.Add($"case {Volatile.Read(ref currentCase)}: still running after {caseLimit.TotalSeconds:F0} s");
                break;   // the worker is abandoned (a background thread)
            }
        }
        int ran = hangs.Count > 0 ? Volatile.Read(ref finished) + 1 : count;
        lock (crashes) lock (over)
            return new Block(target.Name, seed, first, ran, accepted, rejected, [.. crashes], [.. hangs], [.. over], clock.Elapsed.TotalSeconds);
    }
}
