using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Native;

/// <summary>
/// MtSnn.Runtime is trimmable and NativeAOT-compatible: the sample that uses it publishes as a native executable with no
/// trimming or AOT warnings (warnings are errors in this repository), and the native binary runs a model.
/// </summary>
[Trait("Category", "Integration")]
public class AotSampleTests
{
    [Fact]
    public void The_runtime_sample_publishes_with_native_aot_and_runs_a_model()
    {
        using var tmp = new TempDir();
        string project = Path.Combine(Repo.Root, "samples", "MtSnn.Runtime.AotSample", "MtSnn.Runtime.AotSample.csproj");
        var env = new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0" };
        var pub = Repo.Run("dotnet", ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", tmp["bin"],
            "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={tmp["artifacts"]}"], env: env, timeout: TimeSpan.FromMinutes(8));
        Assert.True(pub.ExitCode == 0, pub.ToString());
        Assert.DoesNotContain("warning IL", pub.StdOut);
        string exe = tmp["bin/MtSnn.Runtime.AotSample"];
        Assert.True(File.Exists(exe));
        // A native executable: ELF, no managed entry assembly beside it.
        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, File.ReadAllBytes(exe)[..4]);
        Assert.False(File.Exists(tmp["bin/MtSnn.Runtime.AotSample.dll"]));

        var write = Repo.Run(exe, ["--write-demo", tmp["demo.mtsnn"]]);
        Assert.True(write.ExitCode == 0, write.ToString());
        var run = Repo.Run(exe, [tmp["demo.mtsnn"]]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("logits:", run.StdOut);
        Assert.Contains("energy: SNN", run.StdOut);
    }
}
