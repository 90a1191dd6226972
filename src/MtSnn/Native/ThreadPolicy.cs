using System.Runtime.InteropServices;
using TorchSharp;

namespace MtSnn.Native;

/// <summary>
/// How many threads MtSnn's TorchSharp work uses, decided in one place, so that training does not collapse when the
/// machine is busy:
/// <list type="bullet">
/// <item>libtorch's OpenMP (libgomp) threads wait passively (<c>OMP_WAIT_POLICY=PASSIVE</c>, set for the process before
/// libtorch loads unless the variable is already set): an OpenMP thread spinning at a barrier while another process
/// holds the core it waits for is the classic cause of a 4–6x slowdown on a shared machine;</item>
/// <item>the intra-op threads of a training or evaluation run are the cores the loader threads leave,
/// <c>max(1, cores - workers)</c>, unless <c>--threads</c> (<see cref="Requested"/>) or <c>OMP_NUM_THREADS</c> say otherwise;</item>
/// <item>the loader threads default to <see cref="DefaultWorkers"/>: a quarter of the cores, 1 to 4.</item>
/// </list>
/// <c>mtsnn doctor</c> shows the result (<see cref="Description"/>).
/// </summary>
public static class ThreadPolicy
{
    /// <summary>OpenMP's wait-policy variable.</summary>
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>OpenMP's thread-count variable; when set, MtSnn leaves libtorch's count alone.</summary>
    public const string ThreadCountVariable = "OMP_NUM_THREADS";

    private static int? s_requested;

    /// <summary>Loader threads when none are given: <c>clamp(cores / 4, 1, 4)</c> (on 2 cores: 1).</summary>
    public static int DefaultWorkers => Math.Clamp(Environment.ProcessorCount / 4, 1, 4);

    /// <summary>Intra-op threads asked for explicitly (the CLI's <c>--threads</c>); null: the policy decides.</summary>
    public static int? Requested
    {
        get => s_requested;
        set => s_requested = value is null or (>= 1 and <= 1024) ? value : throw new ArgumentException($"--threads must be in 1..1024 (got {value})");
    }

    /// <summary>Whether <see cref="ApplyWaitPolicy"/> set <see cref="WaitPolicyVariable"/> (false: the user's value, or not Linux).</summary>
    public static bool WaitPolicySet { get; private set; }

    /// <summary>The intra-op threads for a run with <paramref name="workers"/> loader threads: <see cref="Requested"/>, else <c>OMP_NUM_THREADS</c>'s libtorch count, else <c>max(1, cores - workers)</c>.</summary>
    public static int IntraOpThreads(int workers) =>
        Requested ?? (Environment.GetEnvironmentVariable(ThreadCountVariable) is { Length: > 0 } ? torch.get_num_threads() : Math.Max(1, Environment.ProcessorCount - workers));

    /// <summary>Sets libtorch's intra-op threads for a run with <paramref name="workers"/> loader threads (process-wide); returns the count.</summary>
    public static int ApplyFor(int workers)
    {
        int n = IntraOpThreads(workers);
        if (torch.get_num_threads() != n) torch.set_num_threads(n);
        return n;
    }

    /// <summary>One line for <c>mtsnn doctor</c>.</summary>
    public static string Description =>
        $"{torch.get_num_threads()} intra-op (of {Environment.ProcessorCount} logical CPUs; training uses {IntraOpThreads(DefaultWorkers)} with {DefaultWorkers} loader thread(s)"
        + $"{(Requested is { } r ? $", --threads {r}" : "")}), OpenMP wait policy {Environment.GetEnvironmentVariable(WaitPolicyVariable) ?? "libgomp's default (spin)"}{(WaitPolicySet ? " (set by MtSnn)" : "")}";

    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the process environment (the C library's, which libgomp reads when it
    /// loads) unless it is set; called by <see cref="TorchRuntime.EnsureInitialized"/> before libtorch loads.
    /// </summary>
    internal static void ApplyWaitPolicy()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(WaitPolicyVariable) is not null) return;   // set, even empty: the user's choice
        if (!NativeEnvironment.Set(WaitPolicyVariable, "PASSIVE")) return;   // setenv failing (ENOMEM) leaves libgomp's default: nothing else changes
        WaitPolicySet = true;
    }
}
