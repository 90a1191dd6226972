using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MtSnn.Distributed;
using Xunit;

namespace MtSnn.Tests.Distributed;

/// <summary>
/// The watch over the rendezvous connections of joined ranks, three "ranks" in this process on loopback: a rank whose
/// connection drops without a word is named to every other rank, a failure a rank reports is relayed, and ranks that
/// finish normally report nothing.
/// </summary>
public sealed class PeerWatchTests
{
    private sealed class World : IDisposable
    {
        public readonly PeerWatch[] Watches = new PeerWatch[3];
        public readonly TcpClient[] Links = new TcpClient[3];   // ranks 1, 2: their connection to rank 0
        public readonly TcpClient[] RankZeroLinks;              // rank 0's connections to ranks 1 and 2
        public readonly ConcurrentDictionary<int, (int Failed, string Reason)> Seen = new();

        /// <summary>Three ranks; without <paramref name="watchRankZero"/> rank 0 holds its connections bare (a process that will die).</summary>
        public World(bool watchRankZero = true)
        {
            int port;
            using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
            var joins = new[] { 1, 2 }.Select(r => Task.Run(() =>
            {
                var (_, c) = TcpRendezvous.JoinAndKeep("127.0.0.1", port, TimeSpan.FromSeconds(20));
                Links[r] = c;
                Watches[r] = PeerWatch.ForRank(r, c, (f, why) => Seen.TryAdd(r, (f, why)));
            })).ToArray();
            RankZeroLinks = TcpRendezvous.ServeAndKeep(port, 2, [1, 2, 3], TimeSpan.FromSeconds(20));
            Task.WaitAll(joins);
            if (watchRankZero) Watches[0] = PeerWatch.ForRankZero(RankZeroLinks, 3, TimeSpan.FromSeconds(20), (f, why) => Seen.TryAdd(0, (f, why)));
        }

        /// <summary>Waits (up to 10 s) until every rank of <paramref name="ranks"/> has seen a failure.</summary>
        public void WaitFor(params int[] ranks)
        {
            for (int i = 0; i < 200 && !ranks.All(Seen.ContainsKey); i++) Thread.Sleep(50);
        }

        public void Dispose()
        {
            foreach (var w in Watches) w?.Dispose();
            foreach (var c in RankZeroLinks) c.Dispose();
        }
    }

    [Fact]
    public void DroppedRank_IsNamedToEveryOtherRank()
    {
        using var world = new World();
        world.Links[2].Client.Close();   // rank 2 dies: its socket closes without Done (what its own watch sees is moot)
        world.WaitFor(0, 1);
        Assert.Equal(2, world.Seen[0].Failed);
        Assert.Equal(2, world.Seen[1].Failed);   // relayed by rank 0
        Assert.Contains("ended without finishing", world.Seen[0].Reason);
        Assert.Contains("ended without finishing", world.Seen[1].Reason);
    }

    [Fact]
    public void DroppedRankZero_IsNamedToTheOthers()
    {
        using var world = new World(watchRankZero: false);
        foreach (var c in world.RankZeroLinks) c.Client.Close();   // rank 0 dies
        world.WaitFor(1, 2);
        Assert.Equal(0, world.Seen[1].Failed);
        Assert.Equal(0, world.Seen[2].Failed);
        Assert.Contains("ended without finishing", world.Seen[1].Reason);
    }

    [Fact]
    public void ReportedFailure_IsRelayedWithItsReason()
    {
        using var world = new World();
        world.Watches[1].ReportFailure();
        world.WaitFor(0, 2);
        Assert.Equal((1, "failed (its error is on its own stderr)"), world.Seen[0]);
        Assert.Equal((1, "failed (its error is on its own stderr)"), world.Seen[2]);
        Assert.False(world.Seen.ContainsKey(1));   // the failing rank reports itself; it is not told
    }

    [Fact]
    public void RanksThatFinish_ReportNothing()
    {
        using var world = new World();
        world.Watches[2].Finish();
        world.Watches[1].Finish();
        Thread.Sleep(300);
        world.Watches[0].Finish();
        Thread.Sleep(500);
        Assert.Empty(world.Seen);
    }
}
