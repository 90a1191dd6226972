#!/usr/bin/env -S dotnet run --file
// Allreduce of float32 buffers (4 KiB .. 64 MiB) through MtSnn's Open MPI P/Invoke backend (MpiCollectives), and the
// machine's copy bandwidth measured in the same run (one-thread tensor copy of the same buffers), for docs/benchmarks.md.
// Run under mpirun: mpirun -np 2 dotnet run --file scripts/bench-allreduce.cs -- OUT.json   (rank 0 writes OUT.json)
// Per size: median seconds of REPEATS calls after 3 warm-up calls; algorithm bandwidth = bytes / s; bus bandwidth =
// 2 (W-1)/W bytes / s (what a ring moves per rank, the figure docs/scaling.md's formula uses); copy = bytes / s of
// dst.copy_(src) (read + write).
#:project ../src/MtSnn/MtSnn.csproj
#:property TreatWarningsAsErrors=true
#:property Nullable=enable
using System.Diagnostics;
using System.Text.Json.Nodes;
using MtSnn.Distributed;
using static TorchSharp.torch;

if (args.Length != 1)
{
    Console.Error.WriteLine("bench-allreduce: error: usage: mpirun -np N dotnet run --file scripts/bench-allreduce.cs -- OUT.json");
    return 2;
}
set_num_threads(1);
using var mpi = new MpiCollectives();
const int repeats = 15;
var rows = new JsonArray();
for (long bytes = 4096; bytes <= 64L << 20; bytes *= 4)
{
    using var scope = NewDisposeScope();
    var buffer = ones(bytes / 4, float32);
    var src = ones(bytes / 4, float32);
    var dst = empty(bytes / 4, float32);
    double Median(Action op)
    {
        for (int i = 0; i < 3; i++) op();
        var t = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            mpi.Barrier();
            var clock = Stopwatch.StartNew();
            op();
            t[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(t);
        return t[repeats / 2];
    }
    double ar = Median(() => mpi.AllReduce(buffer));
    double copy = Median(() => dst.copy_(src));
    rows.Add((JsonNode)new JsonObject
    {
        ["bytes"] = bytes, ["allreduce_s"] = ar, ["algorithm_GB_per_s"] = bytes / ar / 1e9,
        ["bus_GB_per_s"] = 2.0 * (mpi.WorldSize - 1) / mpi.WorldSize * bytes / ar / 1e9,
        ["copy_s"] = copy, ["copy_GB_per_s"] = bytes / copy / 1e9,
    });
}
if (mpi.Rank == 0)
{
    var doc = new JsonObject
    {
        ["what"] = "float32 allreduce (sum, in place) through MtSnn.Distributed.MpiCollectives (Open MPI P/Invoke) vs one-thread tensor copy, median of 15",
        ["backend"] = mpi.Description, ["ranks"] = mpi.WorldSize, ["load_average"] = File.ReadAllText("/proc/loadavg").Trim(), ["sizes"] = rows,
    };
    File.WriteAllText(args[0] + ".tmp", doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    File.Move(args[0] + ".tmp", args[0], overwrite: true);
    foreach (var r in rows) Console.WriteLine($"{(long)r!["bytes"]!,10} B  allreduce {(double)r["allreduce_s"]! * 1e3,8:F3} ms  {(double)r["algorithm_GB_per_s"]!,6:F2} GB/s (bus {(double)r["bus_GB_per_s"]!,6:F2})  copy {(double)r["copy_GB_per_s"]!,6:F2} GB/s");
}
return 0;
