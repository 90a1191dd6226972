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

    [Fact]
    public void Installed_dotnet_tool()
    {
        using var tmp = new TempDir();
        var pack = Repo.Run("dotnet", ["pack", Cli, "-c", "Release", "-o", tmp["nupkg"], .. Isolated(tmp)], env: Env(tmp));
        Assert.True(pack.ExitCode == 0, pack.ToString());
        var env = Env(tmp);
        env["NUGET_PACKAGES"] = tmp["nuget"]; // keep the user's global package folder out of it
        var install = Repo.Run("dotnet", ["tool", "install", "MtSnn.Cli", "--tool-path", tmp["tools"], "--add-source", tmp["nupkg"], "--version", ThisVersion()], env: env);
        Assert.True(install.ExitCode == 0, install.ToString());
        var r = Repo.Run(tmp["tools/mtsnn"], ["doctor"], env: Env(tmp));
        AssertDoctorWorked(r, expectRepair: true);
    }

    private static string ThisVersion() =>
        typeof(TorchRuntime).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.1.0";
}
