using System.Net;
using System.Net.Sockets;

namespace MtSnn.Tests.Data;

/// <summary>A tiny HTTP server on 127.0.0.1 that serves fixed bytes per file name (404 otherwise); stops on dispose.</summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public LoopbackServer(IReadOnlyDictionary<string, byte[]> files)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUrl.ToString());
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            for (int served = 0; served < 64 && _listener.IsListening; served++)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                string name = ctx.Request.Url!.AbsolutePath.TrimStart('/');
                if (files.TryGetValue(name, out var body))
                {
                    ctx.Response.ContentLength64 = body.Length;
                    await ctx.Response.OutputStream.WriteAsync(body);
                }
                else ctx.Response.StatusCode = 404;
                ctx.Response.Close();
            }
        });
    }

    public Uri BaseUrl { get; }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
