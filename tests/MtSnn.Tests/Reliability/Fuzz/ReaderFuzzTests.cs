using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using Xunit;
using Xunit.Abstractions;

namespace MtSnn.Tests.Reliability.Fuzz;

/// <summary>
/// Every reader against seeded, structure-aware mutations, in-process: no crash (only one-line bad-input errors), no
/// hang (per-case time limit), no allocation beyond the per-case ceiling. The default run is a smoke run of
/// <see cref="SmokeCases"/> cases per reader; <c>scripts/fuzz.sh 100000</c> runs the full campaign. Campaign settings:
/// <c>MTSNN_FUZZ_CASES</c> (cases per reader), <c>MTSNN_FUZZ_SEED</c>, <c>MTSNN_FUZZ_READERS</c> (comma-separated target
/// names; all by default) and <c>MTSNN_FUZZ_PROGRESS</c> (a JSON-lines file of finished blocks: partial figures while it
/// runs, and a rerun resumes after the recorded blocks).
/// </summary>
[Collection(TrainingCollection.Name)]
public class ReaderFuzzTests(ITestOutputHelper log)
{
    /// <summary>Cases per reader in the default test run.</summary>
    public const int SmokeCases = 400;

    [Fact]
    public void Every_reader_survives_mutated_inputs()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("MTSNN_FUZZ_CASES"), out int n) && n > 0 ? n : SmokeCases;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("MTSNN_FUZZ_SEED"), out int s) ? s : 1;
        string? progress = Environment.GetEnvironmentVariable("MTSNN_FUZZ_PROGRESS") is { Length: > 0 } p ? Path.GetFullPath(p) : null;
        var names = Environment.GetEnvironmentVariable("MTSNN_FUZZ_READERS") is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        var targets = FuzzTargets.All();
        if (names is not null)
        {
            var unknown = names.Except(targets.Select(t => t.Name)).ToList();
            Assert.True(unknown.Count == 0, $"MTSNN_FUZZ_READERS names no reader {string.Join(", ", unknown)}; readers: {string.Join(", ", targets.Select(t => t.Name))}");
            targets = [.. targets.Where(t => names.Contains(t.Name))];
        }
        using var scratch = new TempDir();
        var reports = targets.AsParallel().WithDegreeOfParallelism(2)
            .Select(t => FuzzRunner.Run(t, cases, seed, TimeSpan.FromSeconds(20), scratch.Path, progress)).ToList();
        foreach (var r in reports) log.WriteLine(r.ToString());
        Assert.All(reports, r => Assert.True(r.Clean, r.ToString()));
        Assert.All(reports, r => Assert.True(r.Rejected > 0, $"{r.Target}: no mutation was rejected; the mutator does not reach the reader's checks"));
    }
}
