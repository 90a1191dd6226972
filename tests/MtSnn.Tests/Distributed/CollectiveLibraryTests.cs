using System.Net;
using System.Net.Sockets;
using MtSnn.Distributed;
using Xunit;

namespace MtSnn.Tests.Distributed;

/// <summary>The TCP rendezvous of the NCCL id on loopback, and the one-line errors of a missing library.</summary>
public sealed class CollectiveLibraryTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Rendezvous_TwoPeersReceiveRankZerosBytes()
    {
        int port = FreePort();
        byte[] id = [.. Enumerable.Range(0, 128).Select(i => (byte)(i * 7 + 1))];
        var peers = Enumerable.Range(0, 2).Select(_ => Task.Run(() => TcpRendezvous.Join("127.0.0.1", port, TimeSpan.FromSeconds(20)))).ToArray();
        Thread.Sleep(300);   // the peers start first and retry until rank 0 listens
        TcpRendezvous.Serve(port, 2, id, TimeSpan.FromSeconds(20));
        foreach (var p in peers) Assert.Equal(id, await p);
    }

    [Fact]
    public async Task Rendezvous_MissingPeer_TimesOutNamingHowManyArrived()
    {
        int port = FreePort();
        var one = Task.Run(() => TcpRendezvous.Join("127.0.0.1", port, TimeSpan.FromSeconds(10)));
        var e = Assert.Throws<NativeCollectiveException>(() => TcpRendezvous.Serve(port, 2, new byte[128], TimeSpan.FromSeconds(2)));
        Assert.Contains("1 of 2 other ranks connected", e.Message);
        Assert.Equal(128, (await one).Length);
    }

    [Fact]
    public void Rendezvous_MissingRankZero_TimesOutNamingTheAddress()
    {
        int port = FreePort();
        var e = Assert.Throws<NativeCollectiveException>(() => TcpRendezvous.Join("127.0.0.1", port, TimeSpan.FromSeconds(1)));
        Assert.Contains($"rank 0 at 127.0.0.1:{port} did not answer", e.Message);
    }

    [Fact]
    public void MissingMpiLibrary_SaysWhatToInstallOrSet()
    {
        var e = Assert.Throws<NativeCollectiveException>(() => new MpiCollectives("/nonexistent/libmpi.so.40"));
        Assert.Contains("Open MPI not found", e.Message);
        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", e.Message);
        Assert.Contains(MpiCollectives.LibraryVariable, e.Message);
    }

    [Fact]
    public void NcclCandidates_OverrideThenTheTorchWheelThenTheSystem()
    {
        Assert.Equal(["/x/libnccl.so.2"], NcclCollectives.Candidates("/x/libnccl.so.2", "/sp/torch/lib"));
        Assert.Equal(["/sp/nvidia/nccl/lib/libnccl.so.2", "libnccl.so.2"], NcclCollectives.Candidates(null, "/sp/torch/lib"));
        Assert.Equal(["libnccl.so.2"], NcclCollectives.Candidates(null, null));
    }
}
