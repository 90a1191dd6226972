using MtSnn.Distributed;
using MtSnn.Training;

namespace MtSnn.Cli.Training;

/// <summary>
/// Runs <c>mtsnn train</c>'s body inside the data-parallel group the launcher and <c>--distributed</c> ask for. Only
/// rank 0 writes outputs and progress (the body gets the group and decides); a failure on any rank prints one line
/// <c>mtsnn: error: rank R: ...</c> and aborts the whole job (MPI_Abort / ncclCommAbort), so the other ranks end at
/// once instead of waiting in a collective; the last checkpoint, written atomically by rank 0, stays intact. A
/// configuration that differs between ranks is found on every rank at once and reported by rank 0 alone.
/// </summary>
internal static class DistributedRun
{
    public static int Run(DistributedMode mode, TrainConfig config, LaunchEnvironment env, TextWriter stderr, Func<TrainConfig, DataParallel?, int> body)
    {
        var (group, rankConfig) = DistributedStart.Start(mode, config, env);
        if (group is null) return body(rankConfig, null);
        try
        {
            int rc = body(rankConfig, group);
            group.Collectives.Barrier();
            group.Dispose();
            return rc;
        }
        catch (RankMismatchException e)
        {
            if (group.Rank == 0) stderr.WriteLine($"mtsnn: error: {CliApp.FirstLine(e.Message)}");
            group.Dispose();
            return CliApp.BadInput;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"mtsnn: error: rank {group.Rank} of {group.WorldSize}: {CliApp.FirstLine(e.Message)}; aborting the other ranks");
            stderr.Flush();
            group.Collectives.Abort(CliApp.IsBadInput(e) ? CliApp.BadInput : 1);
            return 1;
        }
    }
}
