using MtSnn.Tests.TestSupport;
using MtSnn.Tests.Training;
using Xunit;
using Xunit.Abstractions;

namespace MtSnn.Tests.Reliability.Fuzz;

/// <summary>
/// Every reader against seeded, structure-aware mutations, in-process: no crash (only one-line bad-input errors), no
/// hang (per-case time limit), no allocation beyond the per-case ceiling. The default run is a smoke run of
/// <see cref="SmokeCases"/> cases per reader; <c>MTSNN_FUZZ_CASES=100000 scripts/fuzz.sh</c> runs the full campaign.
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
        using var scratch = new TempDir();
        var reports = FuzzTargets.All().AsParallel().WithDegreeOfParallelism(2)
            .Select(t => FuzzRunner.Run(t, cases, seed, TimeSpan.FromSeconds(20), scratch.Path)).ToList();
        foreach (var r in reports) log.WriteLine(r.ToString());
        Assert.All(reports, r => Assert.True(r.Clean, r.ToString()));
        Assert.All(reports, r => Assert.True(r.Rejected > 0, $"{r.Target}: no mutation was rejected; the mutator does not reach the reader's checks"));
    }
}
