using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MtSnn.Distributed;

/// <summary>
/// Ends every rank of a job whose launcher does not (torchrun, srun without PMI: Open MPI singletons joined by
/// <see cref="MpiJoin"/>, where a dead peer leaves the others spinning in a collective for ever) within a bounded time
/// of one rank's failure, with one line naming it. It keeps the rendezvous connections open: rank 0 holds one to every
/// other rank, each other rank one to rank 0, and a thread per connection reads it. A rank that dies (killed, crashed,
/// out of memory) closes its connections in the kernel at once; a rank that fails with an error sends
/// <c>F rank</c> before it aborts; rank 0 relays either (<c>L rank</c>, <c>F rank</c>) to every other rank, so each one calls
/// <c>onFailure(failed rank, reason)</c> (in the CLI: the error line and exit code 1). A rank that finishes normally
/// sends <c>D</c> first (<see cref="Finish"/>), so its closing is no failure. A whole host that vanishes is seen by TCP
/// keep-alive (about 25 s). A rank that hangs alive is not seen.
/// </summary>
public sealed partial class PeerWatch : IDisposable
{
    private const byte Hello = (byte)'H', Done = (byte)'D', Failed = (byte)'F', Lost = (byte)'L';
    private const string LostReason = "ended without finishing (killed, crashed or out of memory)", FailedReason = "failed (its error is on its own stderr)";

    private readonly int _rank;
    private readonly Action<int, string> _onFailure;
    private readonly (int Rank, TcpClient Client)[] _links;
    private readonly bool[] _finished;
    private readonly object _gate = new();
    private int _failed;   // 1 once a failure is handled (once per process)
    private volatile bool _closing;

    private PeerWatch(int rank, (int Rank, TcpClient Client)[] links, Action<int, string> onFailure)
    {
        _rank = rank;
        _links = links;
        _finished = new bool[links.Length];
        _onFailure = onFailure;
        for (int i = 0; i < links.Length; i++)
        {
            KeepAlive(links[i].Client.Client);
            int index = i;
            new Thread(() => Watch(index)) { IsBackground = true, Name = $"mtsnn peer watch (rank {links[i].Rank})" }.Start();
        }
    }

    /// <summary>
    /// Rank 0's watch over the <paramref name="worldSize"/> - 1 connections <see cref="TcpRendezvous.ServeAndKeep"/>
    /// returned: reads each rank's hello (its rank) within <paramref name="timeout"/>, then watches them.
    /// </summary>
    public static PeerWatch ForRankZero(IReadOnlyList<TcpClient> peers, int worldSize, TimeSpan timeout, Action<int, string> onFailure)
    {
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(onFailure);
        if (peers.Count != worldSize - 1) throw new ArgumentException($"{peers.Count} connections for a world of {worldSize} ranks");
        var links = new (int Rank, TcpClient Client)[peers.Count];
        var seen = new HashSet<int>();
        for (int i = 0; i < peers.Count; i++)
        {
            var c = peers[i];
            c.ReceiveTimeout = (int)Math.Max(1, timeout.TotalMilliseconds);
            byte[] hello = new byte[5];
            try { c.GetStream().ReadExactly(hello); }
            catch (IOException e) { throw new NativeCollectiveException($"peer watch: a rank connected but did not say its rank within {timeout.TotalSeconds:0} s ({e.Message})"); }
            int r = BitConverter.ToInt32(hello, 1);
            if (hello[0] != Hello || r < 1 || r >= worldSize || !seen.Add(r))
                throw new NativeCollectiveException($"peer watch: a connection said it is rank {r} (expected each of 1..{worldSize - 1} once); are two jobs sharing MASTER_ADDR:MASTER_PORT?");
            c.ReceiveTimeout = 0;
            links[i] = (r, c);
        }
        return new PeerWatch(0, links, onFailure);
    }

    /// <summary>Rank <paramref name="rank"/>'s watch over its connection to rank 0 (<see cref="TcpRendezvous.JoinAndKeep"/>); says its rank first.</summary>
    public static PeerWatch ForRank(int rank, TcpClient rankZero, Action<int, string> onFailure)
    {
        ArgumentNullException.ThrowIfNull(rankZero);
        ArgumentNullException.ThrowIfNull(onFailure);
        if (rank < 1) throw new ArgumentException($"rank {rank}: rank 0 watches through ForRankZero");
        byte[] hello = new byte[5];
        hello[0] = Hello;
        BitConverter.TryWriteBytes(hello.AsSpan(1), rank);
        rankZero.GetStream().Write(hello);
        return new PeerWatch(rank, [(0, rankZero)], onFailure);
    }

    /// <summary>
    /// The CLI's reaction on rank <paramref name="rank"/> of <paramref name="worldSize"/>: one line
    /// <c>mtsnn: error: rank R of W: rank F ...; ending this rank</c> on stderr, then the process ends at once with exit
    /// code 1 (<c>_exit</c>: the main thread may be inside an MPI call that will not return).
    /// </summary>
    public static Action<int, string> EndProcess(int rank, int worldSize) => (failed, reason) =>
    {
        Console.Error.WriteLine($"mtsnn: error: rank {rank} of {worldSize}: rank {failed} {reason}; ending this rank");
        Console.Error.Flush();
        Exit(1);
    };

    /// <summary>This rank fails with an error (it prints its own line): tells the others before it aborts.</summary>
    public void ReportFailure()
    {
        if (Interlocked.Exchange(ref _failed, 1) != 0) return;
        Send(Failed, _rank, except: -1);
    }

    /// <summary>This rank finished normally: tells the others, stops watching and closes the connections.</summary>
    public void Finish()
    {
        if (_closing) return;
        _closing = true;
        for (int i = 0; i < _links.Length; i++)
        {
            try { _links[i].Client.GetStream().Write([Done]); } catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException) { }
            _links[i].Client.Dispose();
        }
    }

    /// <summary><see cref="Finish"/>.</summary>
    public void Dispose() => Finish();

    private void Watch(int index)
    {
        var (peer, client) = _links[index];
        byte[] message = new byte[5];
        string reason = LostReason;
        try
        {
            var stream = client.GetStream();
            while (true)
            {
                int n = stream.Read(message, 0, 1);
                if (n == 0) break;   // closed without Done
                if (message[0] == Done) { lock (_gate) _finished[index] = true; return; }
                if (message[0] is Failed or Lost)
                {
                    stream.ReadExactly(message, 1, 4);
                    peer = BitConverter.ToInt32(message, 1);
                    reason = message[0] == Failed ? FailedReason : LostReason;
                    break;
                }
                reason = $"sent an unknown message ({message[0]})";
                break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException) { }
        if (_closing) return;
        OnFailure(peer, reason);
    }

    private void OnFailure(int failed, string reason)
    {
        if (Interlocked.Exchange(ref _failed, 1) != 0) return;
        if (_rank == 0) Send(reason == FailedReason ? Failed : Lost, failed, except: failed);   // rank 0 relays to the ranks that do not know
        _onFailure(failed, reason);
    }

    private void Send(byte kind, int rank, int except)
    {
        byte[] message = new byte[5];
        message[0] = kind;
        BitConverter.TryWriteBytes(message.AsSpan(1), rank);
        for (int i = 0; i < _links.Length; i++)
        {
            if (_links[i].Rank == except) continue;
            lock (_gate) if (_finished[i]) continue;
            try { _links[i].Client.GetStream().Write(message); }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException) { }
        }
    }

    private static void KeepAlive(Socket socket)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 10);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        socket.NoDelay = true;
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int code);
}
