using System.Net;
using System.Net.Sockets;

namespace MtSnn.Distributed;

/// <summary>
/// Hands rank 0's bootstrap bytes (NCCL's 128-byte <c>ncclUniqueId</c>) to every other rank over TCP at
/// <c>MASTER_ADDR:MASTER_PORT</c>, as PyTorch's <c>env://</c> store does: rank 0 listens and sends the bytes to each of the
/// W - 1 ranks that connect; the others connect (retrying while rank 0 is not yet listening) and read them. Each side
/// gives up after the timeout with one line naming the address and how many ranks arrived. Only the bootstrap travels
/// here; the collectives run in NCCL.
/// </summary>
public static class TcpRendezvous
{
    /// <summary>The default timeout (PyTorch's default store timeout is longer; ranks of one job start within seconds).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Rank 0: listens on <paramref name="port"/> and sends <paramref name="payload"/> to <paramref name="peers"/> ranks.</summary>
    public static void Serve(int port, int peers, ReadOnlySpan<byte> payload, TimeSpan timeout)
    {
        foreach (var client in ServeAndKeep(port, peers, payload, timeout)) client.Dispose();
    }

    /// <summary>
    /// <see cref="Serve"/>, leaving the <paramref name="peers"/> connections open (in the order they arrived; the caller
    /// disposes them): <see cref="PeerWatch"/> watches the other ranks' lives through them.
    /// </summary>
    public static TcpClient[] ServeAndKeep(int port, int peers, ReadOnlySpan<byte> payload, TimeSpan timeout)
    {
        using var listener = new TcpListener(IPAddress.Any, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try { listener.Start(peers); }
        catch (SocketException e) { throw new NativeCollectiveException($"rendezvous: rank 0 cannot listen on port {port} ({e.SocketErrorCode}): set MASTER_PORT to a free port"); }
        byte[] frame = Frame(payload);
        using var cts = new CancellationTokenSource(timeout);
        var clients = new List<TcpClient>(peers);
        try
        {
            for (int arrived = 0; arrived < peers; arrived++)
            {
                try
                {
                    var client = listener.AcceptTcpClientAsync(cts.Token).AsTask().GetAwaiter().GetResult();
                    clients.Add(client);
                    client.GetStream().Write(frame);
                }
                catch (OperationCanceledException)
                {
                    throw new NativeCollectiveException($"rendezvous timed out after {timeout.TotalSeconds:0} s on port {port}: {arrived} of {peers} other ranks connected (are WORLD_SIZE and MASTER_ADDR right on every rank?)");
                }
            }
            return [.. clients];
        }
        catch
        {
            foreach (var c in clients) c.Dispose();
            throw;
        }
    }

    /// <summary>Ranks 1..W-1: connects to <paramref name="host"/>:<paramref name="port"/> and returns rank 0's bytes.</summary>
    public static byte[] Join(string host, int port, TimeSpan timeout)
    {
        var (payload, connection) = JoinAndKeep(host, port, timeout);
        connection.Dispose();
        return payload;
    }

    /// <summary><see cref="Join"/>, returning the connection to rank 0 open (no receive timeout; the caller disposes it).</summary>
    public static (byte[] Payload, TcpClient Connection) JoinAndKeep(string host, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no attempt";
        while (DateTime.UtcNow < deadline)
        {
            var client = new TcpClient();
            try
            {
                var left = deadline - DateTime.UtcNow;
                if (!client.ConnectAsync(host, port).Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero)) { client.Dispose(); break; }
                client.ReceiveTimeout = (int)Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds);
                var stream = client.GetStream();
                byte[] header = new byte[4];
                stream.ReadExactly(header);
                int length = BitConverter.ToInt32(header);
                if (length is < 0 or > 1 << 20) throw new NativeCollectiveException($"rendezvous: {host}:{port} sent a frame of {length} bytes; it is not an mtsnn rank 0");
                byte[] payload = new byte[length];
                stream.ReadExactly(payload);
                client.ReceiveTimeout = 0;
                return (payload, client);
            }
            catch (Exception e) when (e is SocketException or IOException or AggregateException)
            {
                client.Dispose();
                last = (e as SocketException ?? e.InnerException as SocketException)?.SocketErrorCode.ToString() ?? e.GetType().Name;
                Thread.Sleep(100);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }
        throw new NativeCollectiveException($"rendezvous timed out after {timeout.TotalSeconds:0} s: rank 0 at {host}:{port} did not answer (last: {last}); is rank 0 running and MASTER_ADDR/MASTER_PORT the same on every rank?");
    }

    private static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[4 + payload.Length];
        BitConverter.TryWriteBytes(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(4));
        return frame;
    }
}
