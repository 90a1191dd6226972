using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using MtSnn.Kernels.Cuda;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Kernels.Cuda;

/// <summary>A theory skipped (with the reason) where g++ is missing.</summary>
public sealed class EmulationTheoryAttribute : TheoryAttribute
{
    public EmulationTheoryAttribute() { if (CudaEmulator.Missing is { } why) Skip = why; }
}

/// <summary>A fact skipped (with the reason) where g++ is missing.</summary>
public sealed class EmulationFactAttribute : FactAttribute
{
    public EmulationFactAttribute() { if (CudaEmulator.Missing is { } why) Skip = why; }
}

/// <summary>
/// Compiles generated CUDA kernels as C++ with g++ against cuda_cpu_shim.h and runs them over a grid of emulated
/// threads (cuda_cpu_driver.cpp), many cases per compiled program.
/// </summary>
internal static class CudaEmulator
{
    /// <summary>Null when g++ is on PATH, else why the emulation tests are skipped.</summary>
    public static readonly string? Missing = FindGpp() is null ? "g++ is not on PATH (the CPU emulation of the CUDA kernels needs a C++20 compiler)" : null;

    /// <summary>The folder of the shim and the driver (this source folder).</summary>
    public static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    /// <summary>
    /// Compiles the distinct kernels of the cases into one program (a forward shared by store-H and recompute specs is
    /// compiled once) and runs every case: forward, then backward (a recompute case passes a null H to the forward and X
    /// to the backward).
    /// </summary>
    public static IReadOnlyList<EmuResult> Run(IReadOnlyList<EmuCase> cases)
    {
        using var dir = new MtSnn.Tests.TestSupport.TempDir();
        var forwards = new Dictionary<string, int>();
        var backwards = new Dictionary<string, int>();
        var tu = new StringBuilder("#include \"cuda_cpu_shim.h\"\n");
        var fwd = new StringBuilder("void mt_forward(int kernel, void* const* p, int steps, long long n)\n{\n    switch (kernel)\n    {\n");
        var bwd = new StringBuilder("void mt_backward(int kernel, void* const* p, int steps, long long n)\n{\n    switch (kernel)\n    {\n");
        var ids = new (int Forward, int Backward)[cases.Count];
        for (int c = 0; c < cases.Count; c++)
        {
            var (f, b) = CudaKernelSource.Both(cases[c].Spec);
            if (!forwards.TryGetValue(f.EntryName, out int fid))
            {
                fid = forwards.Count;
                forwards[f.EntryName] = fid;
                tu.Append($"namespace f{fid} {{\n{f.Source}}}\n");
                string s = $"f{fid}::mt_storage";
                fwd.Append($"    case {fid}: f{fid}::{f.EntryName}((const {s}*)p[0], (const {s}*)p[1], ({s}*)p[2], ({s}*)p[3], (float*)p[4], (unsigned char*)p[5], (const float*)p[6], steps, n); break;\n");
            }
            if (!backwards.TryGetValue(b.EntryName, out int bid))
            {
                bid = backwards.Count;
                backwards[b.EntryName] = bid;
                tu.Append($"namespace b{bid} {{\n{b.Source}}}\n");
                string s = $"b{bid}::mt_storage", saved = cases[c].Spec.Recomputes ? $"const {s}*" : "const float*";
                bwd.Append($"    case {bid}: b{bid}::{b.EntryName}(({saved})p[0], (const {s}*)p[1], (const {s}*)p[2], (const {s}*)p[3], ({s}*)p[4], ({s}*)p[5], (float*)p[6], (const float*)p[7], steps, n); break;\n");
            }
            ids[c] = (fid, bid);
        }
        fwd.Append("    }\n}\n");
        bwd.Append("    }\n}\n");
        File.WriteAllText(dir["kernels.cpp"], tu.Append(fwd).Append(bwd).ToString());
        Compile(dir, "kernels.cpp", Driver.Value);
        WriteCases(dir["cases.bin"], cases, ids);
        Execute(dir["emu"], dir["cases.bin"], dir["results.bin"]);
        return ReadResults(dir["results.bin"], cases);
    }

    /// <summary>Compiles and links the given sources (or objects) into <c>emu</c> in <paramref name="dir"/>.</summary>
    public static void Compile(MtSnn.Tests.TestSupport.TempDir dir, params string[] sources) =>
        Gpp([.. sources.Select(s => Path.IsPathRooted(s) ? s : dir[s]), "-o", dir["emu"]]);

    /// <summary>The emulation runtime and driver (cuda_cpu_driver.cpp), compiled once per test process.</summary>
    private static readonly Lazy<string> Driver = new(() =>
    {
        var dir = new MtSnn.Tests.TestSupport.TempDir();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        Gpp(["-c", Path.Combine(Here(), "cuda_cpu_driver.cpp"), "-o", dir["driver.o"]]);
        return dir["driver.o"];
    });

    private static void Gpp(IEnumerable<string> arguments)
    {
        // -O0: a third of -O1's compile time for the hundreds of generated kernels per program, and no slower to run (the
        // emulation's time goes to thread synchronisation); -ffp-contract=off: no fused multiply-add, as NVRTC's --fmad=false
        var args = new List<string> { "-std=c++20", "-O0", "-ffp-contract=off", "-pthread", "-I", Here() };
        args.AddRange(arguments);
        var (code, output) = Process(FindGpp()!, args, TimeSpan.FromMinutes(3));
        if (code != 0) throw new InvalidOperationException($"g++ failed ({code}): {output[..Math.Min(output.Length, 4000)]}");
    }

    /// <summary>Runs the compiled program with arguments, failing on a non-zero exit or after a minute (a deadlocked barrier).</summary>
    public static void Execute(string program, params string[] args)
    {
        var (code, output) = Process(program, args, TimeSpan.FromMinutes(1));
        if (code != 0) throw new InvalidOperationException($"emulated kernels failed ({code}): {output}");
    }

    private static (int Code, string Output) Process(string file, IEnumerable<string> args, TimeSpan limit)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var outp = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            return (-1, $"{file} did not finish within {limit.TotalSeconds} s");
        }
        return (p.ExitCode, outp.Result + err.Result);
    }

    private static void WriteCases(string path, IReadOnlyList<EmuCase> cases, (int Forward, int Backward)[] ids)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write(cases.Count);
        for (int c = 0; c < cases.Count; c++)
        {
            var e = cases[c];
            int flags = (e.Spikes ? 1 : 0) | (e.GradO is null ? 0 : 2) | (e.GradVLast is null ? 0 : 4) | (e.Accumulate ? 8 : 0)
                | (e.GradV0 ? 16 : 0) | (e.Spec.RuntimePlifA || e.Spec.RuntimeVThreshold ? 32 : 0) | (e.Spec.Recomputes ? 64 : 0);
            w.Write(ids[c].Forward); w.Write(ids[c].Backward); w.Write(e.Spec.ElementSize); w.Write(e.Steps); w.Write((long)e.Neurons);
            w.Write(e.Spec.Options.Levels); w.Write(e.Spec.BlockSize); w.Write(flags); w.Write(e.A); w.Write(e.VThreshold);
            foreach (var a in new[] { e.X, e.V0, e.GradO, e.GradVLast })
                if (a is not null) foreach (float v in a) WriteStored(w, e.Spec.Storage, v);
        }
    }

    private static IReadOnlyList<EmuResult> ReadResults(string path, IReadOnlyList<EmuCase> cases)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        var results = new List<EmuResult>();
        foreach (var e in cases)
        {
            int tn = e.Steps * e.Neurons;
            float[] Stored(int count) => [.. Enumerable.Range(0, count).Select(_ => ReadStored(r, e.Spec.Storage))];
            var o = Stored(tn);
            var vl = Stored(e.Neurons);
            float[]? h = e.Spec.Recomputes ? null : [.. Enumerable.Range(0, tn).Select(_ => r.ReadSingle())];
            var spikes = e.Spikes ? r.ReadBytes(tn * e.Spec.Options.Levels) : null;
            var gx = Stored(tn);
            var gv0 = e.GradV0 ? Stored(e.Neurons) : null;
            float[] acc = [r.ReadSingle(), r.ReadSingle()];
            results.Add(new EmuResult(o, vl, h, spikes, gx, gv0, acc));
        }
        if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidDataException("results file longer than expected");
        return results;
    }

    /// <summary>Writes a value that must be exactly representable in the storage type.</summary>
    private static void WriteStored(BinaryWriter w, ScalarType storage, float v)
    {
        switch (storage)
        {
            case ScalarType.Float32: w.Write(v); break;
            case ScalarType.Float16:
                if ((float)(Half)v != v) throw new ArgumentException($"{v} is not a float16 value");
                w.Write(BitConverter.HalfToUInt16Bits((Half)v)); break;
            default:
                uint bits = BitConverter.SingleToUInt32Bits(v);
                if ((bits & 0xffff) != 0) throw new ArgumentException($"{v} is not a bfloat16 value");
                w.Write((ushort)(bits >> 16)); break;
        }
    }

    private static float ReadStored(BinaryReader r, ScalarType storage) => storage switch
    {
        ScalarType.Float32 => r.ReadSingle(),
        ScalarType.Float16 => (float)BitConverter.UInt16BitsToHalf(r.ReadUInt16()),
        _ => BitConverter.UInt32BitsToSingle((uint)r.ReadUInt16() << 16),
    };

    private static string? FindGpp() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "g++")).FirstOrDefault(File.Exists);
}
