using System.Diagnostics;
using System.Text;
using MtSnn.Native;

namespace MtSnn.Distributed;

/// <summary>
/// One MPI world for ranks that a launcher without an MPI runtime started (torchrun, or srun without PMI), so Open MPI
/// still carries every collective: each rank is an MPI singleton, and they connect with MPI's dynamic-process calls.
/// Open MPI 4 connects singletons only through its <c>ompi-server</c> (without it <c>MPI_Comm_connect</c> fails with
/// "requires the support of the ompi-server tool"), so rank 0 starts one (<c>ompi-server --no-daemonize
/// --report-uri</c>, ended with the rank), sets <c>OMPI_MCA_pmix_server_uri</c> to its URI, calls <c>MPI_Init</c> and
/// <c>MPI_Open_port</c>, and sends the URI and the port name to the other ranks over <see cref="TcpRendezvous"/> at
/// <c>MASTER_ADDR</c>:<see cref="LaunchEnvironment.RendezvousPort"/>. Every other rank sets the same URI, calls
/// <c>MPI_Init</c> and <c>MPI_Comm_connect</c>; the ranks already joined accept together (<c>MPI_Comm_accept</c> on
/// their communicator) and merge (<c>MPI_Intercomm_merge</c>) until the world is complete, and <c>MPI_Comm_split</c>
/// with the launcher's rank as key orders the ranks as the launcher numbered them.
/// Inside a Slurm job step (srun without PMI, or torchrun started by srun) Open MPI would take the step's
/// <c>SLURM_STEP_ID</c> for a direct launch by srun and stop in <c>MPI_Init</c> ("OMPI was not built with SLURM's PMI
/// support"), so the join removes <see cref="StepVariables"/> from this process's environment first: Open MPI then sees
/// a singleton inside an allocation, as it should. Nothing ends such singletons when one of them dies, so the
/// rendezvous connections stay open as a <see cref="PeerWatch"/>.
/// </summary>
public sealed record MpiJoin(int Rank, int WorldSize, string MasterAddress, int Port, TimeSpan Timeout)
{
    /// <summary>Open MPI's <c>MPI_MAX_PORT_NAME</c>.</summary>
    private const int MaxPortName = 1024;
    /// <summary>The Open MPI variable that points a singleton at an <c>ompi-server</c>.</summary>
    public const string ServerUriVariable = "OMPI_MCA_pmix_server_uri";

    /// <summary>The join for <paramref name="env"/>; throws naming the variables when MASTER_ADDR or MASTER_PORT is missing.</summary>
    public static MpiJoin For(LaunchEnvironment env, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (env.MasterAddress is null || env.RendezvousPort is null)
            throw new NativeCollectiveException($"Open MPI ranks under {env.Launcher.ToString().ToLowerInvariant()} join through MASTER_ADDR and MASTER_PORT (rank 0's host and a free port; torchrun sets them, under srun export them, or run 'srun --mpi=pmix' or 'mpirun')");
        return new MpiJoin(env.Rank, env.WorldSize, env.MasterAddress, env.RendezvousPort.Value, timeout ?? TcpRendezvous.DefaultTimeout);
    }

    /// <summary>The Slurm variables by which Open MPI 4 takes a process for one that srun launched directly (its schizo/slurm component).</summary>
    public static readonly IReadOnlyList<string> StepVariables = ["SLURM_STEP_ID", "SLURM_STEPID"];

    /// <summary>Runs the join with the library's exports <paramref name="export"/>; returns the world communicator (ordered by <see cref="Rank"/>).</summary>
    /// <paramref name="watch"/> is the <see cref="PeerWatch"/> over the rendezvous connections (started before MPI_Init,
    /// so a rank that dies while the others connect ends them too).
    internal unsafe nint Connect(Func<string, nint> export, Action init, Action<int, string> check, out Process? server, out PeerWatch watch)
    {
        var infoNull = export("ompi_mpi_info_null");
        var self = export("ompi_mpi_comm_self");
        var openPort = (delegate* unmanaged<nint, byte*, int>)export("MPI_Open_port");
        var closePort = (delegate* unmanaged<byte*, int>)export("MPI_Close_port");
        var accept = (delegate* unmanaged<byte*, nint, int, nint, nint*, int>)export("MPI_Comm_accept");
        var connect = (delegate* unmanaged<byte*, nint, int, nint, nint*, int>)export("MPI_Comm_connect");
        var merge = (delegate* unmanaged<nint, int, nint*, int>)export("MPI_Intercomm_merge");
        var split = (delegate* unmanaged<nint, int, int, nint*, int>)export("MPI_Comm_split");
        var size = (delegate* unmanaged<nint, int*, int>)export("MPI_Comm_size");
        var free = (delegate* unmanaged<nint*, int>)export("MPI_Comm_free");

        server = null;
        foreach (string v in StepVariables)
            if (!NativeEnvironment.UnsetNativeOnly(v)) throw new NativeCollectiveException($"unsetenv {v} failed");
        byte[] port = new byte[MaxPortName + 1];
        string uri;
        if (Rank == 0)
        {
            server = StartServer(out uri);
            Publish(uri);
            init();
            fixed (byte* p = port) check(openPort(infoNull, p), "MPI_Open_port");
            string portName = Encoding.ASCII.GetString(port, 0, Array.IndexOf(port, (byte)0));
            watch = PeerWatch.ForRankZero(TcpRendezvous.ServeAndKeep(Port, WorldSize - 1, Encoding.UTF8.GetBytes($"{uri}\n{portName}"), Timeout),
                WorldSize, Timeout, PeerWatch.EndProcess(Rank, WorldSize));
        }
        else
        {
            var (payload, rankZero) = TcpRendezvous.JoinAndKeep(MasterAddress, Port, Timeout);
            string[] parts = Encoding.UTF8.GetString(payload).Split('\n');
            if (parts.Length != 2) { rankZero.Dispose(); throw new NativeCollectiveException($"rendezvous: {MasterAddress}:{Port} did not send an MPI port (is it an mtsnn rank 0 of --distributed mpi?)"); }
            watch = PeerWatch.ForRank(Rank, rankZero, PeerWatch.EndProcess(Rank, WorldSize));
            uri = parts[0];
            Publish(uri);
            init();
            Encoding.ASCII.GetBytes(parts[1]).CopyTo(port, 0);
        }

        nint comm = self, inter = 0, merged = 0;
        fixed (byte* p = port)
        {
            if (Rank != 0)
            {
                check(connect(p, infoNull, 0, self, &inter), "MPI_Comm_connect");
                check(merge(inter, 1, &merged), "MPI_Intercomm_merge");
                check(free(&inter), "MPI_Comm_free");
                comm = merged;
            }
            int n = 1;
            check(size(comm, &n), "MPI_Comm_size");
            while (n < WorldSize)   // everyone joined so far accepts the next rank together
            {
                check(accept(p, infoNull, 0, comm, &inter), "MPI_Comm_accept");
                check(merge(inter, 0, &merged), "MPI_Intercomm_merge");
                check(free(&inter), "MPI_Comm_free");
                if (comm != self) check(free(&comm), "MPI_Comm_free");
                comm = merged;
                check(size(comm, &n), "MPI_Comm_size");
            }
            if (Rank == 0) check(closePort(p), "MPI_Close_port");
        }
        nint ordered = 0;
        check(split(comm, 0, Rank, &ordered), "MPI_Comm_split");
        if (comm != self) check(free(&comm), "MPI_Comm_free");
        return ordered;
    }

    private static void Publish(string uri)
    {
        if (!NativeEnvironment.SetNativeOnly(ServerUriVariable, uri)) throw new NativeCollectiveException($"setenv {ServerUriVariable} failed");
    }

    /// <summary>Starts <c>ompi-server</c> (ended when this process ends) and returns it with its URI.</summary>
    private Process StartServer(out string uri)
    {
        string exe = new[] { "/usr/bin/ompi-server", "/usr/local/bin/ompi-server" }.FirstOrDefault(File.Exists)
            ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "ompi-server")).FirstOrDefault(File.Exists)
            ?? throw new NativeCollectiveException("ompi-server not found: Open MPI ranks started by torchrun or srun without PMI connect through it; install openmpi-bin");
        string file = Path.Combine(Path.GetTempPath(), $"mtsnn-ompi-server-{Environment.ProcessId}.uri");
        File.Delete(file);
        // a shell watches this process and ends the server with it, also when this process is killed
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string v in StepVariables) psi.Environment.Remove(v);
        foreach (string a in new[] { "-c", "\"$1\" --no-daemonize --report-uri \"$2\" & s=$!; while kill -0 \"$3\" 2>/dev/null && kill -0 $s 2>/dev/null; do sleep 1; done; kill $s 2>/dev/null", "sh", exe, file, Environment.ProcessId.ToString() })
            psi.ArgumentList.Add(a);
        var server = Process.Start(psi) ?? throw new NativeCollectiveException($"{exe} did not start");
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(file) && File.ReadAllText(file) is { Length: > 1 } text && text.EndsWith('\n'))   // the line is complete
            {
                uri = text.Split('\n')[0].Trim();
                File.Delete(file);
                return server;
            }
            if (server.HasExited) throw new NativeCollectiveException($"{exe} exited with code {server.ExitCode} before reporting its URI");
            Thread.Sleep(50);
        }
        server.Kill(entireProcessTree: true);
        throw new NativeCollectiveException($"{exe} did not report its URI within {Timeout.TotalSeconds:0} s");
    }
}
