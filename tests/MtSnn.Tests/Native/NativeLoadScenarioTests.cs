using MtSnn.Native;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Native;

/// <summary>
/// The shim repair must work, with no manual step, however a user starts MtSnn: <c>dotnet run</c>, a published
/// app (portable and RID-specific layouts), and an installed dotnet tool; <c>dotnet test</c> is this very test
/// process (<see cref="ShimRepairTests.This_test_process_loaded_a_shim_that_resolves_here_and_tensors_work"/>).
/// Each case builds into its own temporary folder from the original NuGet shim and an empty cache, runs
/// <c>mtsnn doctor</c>, and checks that tensors worked and which shim was loaded.
/// </summary>
[Trait("Category", "Integration")]
public class NativeLoadScenarioTests
{
    private static readonly string Cli = Path.Combine(Repo.Root, "src", "MtSnn.Cli", "MtSnn.Cli.csproj");

    private static Dictionary<string, string?> Env(TempDir tmp) => new()
    {
        ["MTSNN_CACHE"] = tmp["cache"],
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
    };

    private static string[] Isolated(TempDir tmp) => ["-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={tmp["artifacts"]}"];

    private static void AssertDoctorWorked(Repo.ProcessResult r, bool expectRepair)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("tensors:     ok", r.StdOut);
        // the default allocator is the size-class cache wherever this build has it: its library travelled with the app
        if (CpuCache.Built) Assert.Contains("allocator:   libtorch's CPU blocks of 256 KiB or more from MtSnn's size-class cache", r.StdOut);
        bool systemHasVersion = LibStdCxxInfo.Probe()!.Versions.Contains(ShimRepair.MissingVersion);
        if (systemHasVersion)
        {
            Assert.DoesNotContain("notice", r.StdErr);
            Assert.Contains("(original)", r.StdOut);
        }
        else if (expectRepair)
        {
            Assert.Single(r.StdErr.Split('\n'), l => l.StartsWith("mtsnn: notice:", StringComparison.Ordinal));
            Assert.Contains("(corrected copy, made now)", r.StdOut);
        }
    }

    [Fact]
    public void Dotnet_run()
    {
        using var tmp = new TempDir();
        var r = Repo.Run("dotnet", ["run", "--project", Cli, .. Isolated(tmp), "--", "doctor"], env: Env(tmp));
        AssertDoctorWorked(r, expectRepair: true);
        // A second start finds the shim already corrected and prints nothing.
        var again = Repo.Run("dotnet", ["run", "--no-build", "--project", Cli, .. Isolated(tmp), "--", "doctor"], env: Env(tmp));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("notice", again.StdErr);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Published_app(bool ridSpecific)
    {
        using var tmp = new TempDir();
        string[] rid = ridSpecific ? ["-r", "linux-x64", "--self-contained", "false"] : [];
        var pub = Repo.Run("dotnet", ["publish", Cli, "-c", "Release", "-o", tmp["app"], .. rid, .. Isolated(tmp)], env: Env(tmp));
        Assert.True(pub.ExitCode == 0, pub.ToString());
        var r = Repo.Run("dotnet", [tmp["app/MtSnn.Cli.dll"], "doctor"], env: Env(tmp));
        AssertDoctorWorked(r, expectRepair: true);
        if (!ridSpecific) MtsnnLibTorchIsHonoured(tmp);
    }

    /// <summary>
    /// MTSNN_LIBTORCH: an app without libtorch of its own (as the CUDA bundle is) runs on the libtorch of the
    /// named folder; a bad folder, or a folder while the app carries its own libtorch, is one clear error.
    /// </summary>
    private static void MtsnnLibTorchIsHonoured(TempDir tmp)
    {
        string app = tmp["app/MtSnn.Cli.dll"];
        var env = Env(tmp);
        env["MTSNN_LIBTORCH"] = Repo.LibTorchNatives;
        var clash = Repo.Run("dotnet", [app, "doctor"], env: env);
        Assert.Equal(2, clash.ExitCode);
        Assert.Contains("also carries its own libtorch", clash.StdErr);

        string natives = tmp["app/runtimes/linux-x64/native"];
        foreach (var f in Directory.GetFiles(natives).Where(f => Path.GetFileName(f) is var n && (n.StartsWith("libtorch") || n.StartsWith("libc10") || n.StartsWith("libgomp"))))
            File.Delete(f);
        var ok = Repo.Run("dotnet", [app, "doctor"], env: env);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains($"libtorch:    {Repo.LibTorchNatives} ", ok.StdOut);
        Assert.Contains("from MTSNN_LIBTORCH", ok.StdOut);

        env["MTSNN_LIBTORCH"] = tmp["no-such-dir"];
        var bad = Repo.Run("dotnet", [app, "doctor"], env: env);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal(1, bad.StdErr.Trim().Split('\n').Count(l => l.StartsWith("mtsnn: error:", StringComparison.Ordinal)));
        Assert.Contains("no such folder", bad.StdErr);
    }

    /// <summary>
    /// The README's Install section for the tool: RID-specific tool packages (.NET 10 SDK). <c>dotnet pack</c> makes the
    /// pointer package MtSnn.Cli and one MtSnn.Cli.&lt;rid&gt; per platform; here only linux-x64 is packed (the others are
    /// the same with their platform's libtorch), it must fit NuGet.org's 250 MB limit, and <c>dotnet tool install</c>
    /// from the local feed must pick it and run.
    /// </summary>
    [Fact]
    public void Installed_dotnet_tool()
    {
        Assert.True(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64, "this scenario packs the linux-x64 tool");
        using var tmp = new TempDir();
        var pack = Repo.Run("dotnet", ["pack", Cli, "-c", "Release", "-o", tmp["nupkg"], "-p:ToolPackageRuntimeIdentifiers=linux-x64", .. Isolated(tmp)], env: Env(tmp), timeout: TimeSpan.FromMinutes(20)); // slow under load
        Assert.True(pack.ExitCode == 0, pack.ToString());
        string v = ThisVersion();
        var rid = new FileInfo(Path.Combine(tmp["nupkg"], $"MtSnn.Cli.linux-x64.{v}.nupkg"));
        Assert.True(rid.Exists, string.Join(", ", Directory.GetFiles(tmp["nupkg"]).Select(Path.GetFileName)));
        Assert.True(rid.Length < 250_000_000, $"MtSnn.Cli.linux-x64 is {rid.Length / 1e6:0} MB (NuGet.org allows 250 MB)");
        using (var zip = System.IO.Compression.ZipFile.OpenRead(rid.FullName))
        {
            // only this platform's natives: no other platform's libtorch
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("libtorch_cpu.so", StringComparison.Ordinal));
            Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".dll", StringComparison.Ordinal) && e.Name.StartsWith("torch_cpu", StringComparison.Ordinal));
            Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".dylib", StringComparison.Ordinal));
        }
        string pointer = Nuspec(Path.Combine(tmp["nupkg"], $"MtSnn.Cli.{v}.nupkg"));
        Assert.Contains("<packageType name=\"DotnetTool\" />", pointer);
        Assert.Contains("<repository type=\"git\" url=\"https://github.com/mtsnn/mtsnn\"", pointer);
        Assert.Contains("<license type=\"expression\">MIT</license>", pointer);
        var env = Env(tmp);
        env["NUGET_PACKAGES"] = tmp["nuget"]; // keep the user's global package folder out of it
        var install = Repo.Run("dotnet", ["tool", "install", "MtSnn.Cli", "--tool-path", tmp["tools"], "--add-source", tmp["nupkg"], "--version", v], env: env, timeout: TimeSpan.FromMinutes(10));
        Assert.True(install.ExitCode == 0, install.ToString());
        var r = Repo.Run(tmp["tools/mtsnn"], ["doctor"], env: Env(tmp));
        AssertDoctorWorked(r, expectRepair: true);
        Assert.Contains("mtsnn.cli.linux-x64", r.StdOut); // the shim and libtorch lines: loaded from the RID-specific package
    }

    private static string Nuspec(string nupkg)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
        return new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open()).ReadToEnd();
    }

    /// <summary>
    /// The README's Install section for the library: MtSnn.Runtime and MtSnn packed into a local feed, a fresh console
    /// project outside the repository gets them with <c>dotnet add package</c> and runs an MT neuron (which needs
    /// TorchSharp's natives and the shim repair to work from the package).
    /// </summary>
    [Fact]
    public void Library_packages_from_a_local_feed()
    {
        using var tmp = new TempDir();
        foreach (var project in new[] { "MtSnn.Runtime", "MtSnn" })
        {
            var pack = Repo.Run("dotnet", ["pack", Path.Combine(Repo.Root, "src", project, project + ".csproj"), "-c", "Release", "-o", tmp["feed"], .. Isolated(tmp)], env: Env(tmp));
            Assert.True(pack.ExitCode == 0, pack.ToString());
            using var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(tmp["feed"], $"{project}.{ThisVersion()}.nupkg"));
            string nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open()).ReadToEnd();
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
            Assert.Contains("<readme>README.md</readme>", nuspec);
            Assert.DoesNotContain("Package Description", nuspec);
            Assert.Contains("<repository type=\"git\" url=\"https://github.com/mtsnn/mtsnn\"", nuspec);
            if (project == "MtSnn") Assert.Contains($"<dependency id=\"MtSnn.Runtime\" version=\"{ThisVersion()}\"", nuspec);
            if (project == "MtSnn") Assert.Contains(zip.Entries, e => e.FullName == "runtimes/linux-x64/native/libmtsnn_cpu_cache.so");
        }
        var env = Env(tmp);
        env["NUGET_PACKAGES"] = tmp["nuget"];
        Directory.CreateDirectory(tmp["app"]);
        File.WriteAllText(tmp["app/app.csproj"], """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings><RuntimeIdentifier>linux-x64</RuntimeIdentifier></PropertyGroup>
            </Project>
            """);
        File.WriteAllText(tmp["app/Program.cs"], """
            using MtSnn.Neurons;
            using static TorchSharp.torch;
            var node = new MultiThresholdNode(new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 2 });
            using var scope = NewDisposeScope();
            Console.WriteLine($"sum {node.forward(full(new long[] { 1, 1, 3 }, 1.5f)).sum().item<float>()}");
            Console.WriteLine($"cache {MtSnn.Native.CpuCache.IsCurrent}");
            """);
        // the local feed next to the user's own sources (TorchSharp comes from there)
        File.WriteAllText(tmp["app/nuget.config"], $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><add key="local" value="{tmp["feed"]}" /></packageSources></configuration>""");
        var add = Repo.Run("dotnet", ["add", tmp["app/app.csproj"], "package", "MtSnn", "--version", ThisVersion()], env: env);
        Assert.True(add.ExitCode == 0, add.ToString());
        var run = Repo.Run("dotnet", ["run", "--project", tmp["app/app.csproj"]], env: env);
        Assert.True(run.ExitCode == 0, run.ToString());
        // IF: H = 1.5 >= theta_1 = 1 fires level 1 (lambda 1), the residual 0.5 >= theta_2 = 0.5 fires level 2 (lambda 0.5): O = 1.5 per neuron
        Assert.Contains("sum 4.5", run.StdOut);
        Assert.Contains("cache True", run.StdOut);   // the package's runtimes/linux-x64/native cache library was found and installed
        Assert.DoesNotContain("mtsnn: notice", run.StdOut);
        // the README's RID choice: with a RuntimeIdentifier only that platform's libtorch lands in bin/
        var bin = Directory.GetFiles(tmp["app/bin"], "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("libtorch_cpu.so", bin);
        Assert.DoesNotContain("torch_cpu.dll", bin);
        Assert.DoesNotContain("libtorch_cpu.dylib", bin);
    }

    private static string ThisVersion() =>
        typeof(TorchRuntime).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.1.0";
}
