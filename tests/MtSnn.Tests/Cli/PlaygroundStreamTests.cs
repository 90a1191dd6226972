using System.Globalization;
using System.Text;
using MtSnn.Cli.Commands;
using MtSnn.Neurons;
using MtSnn.Tests.Reliability;
using MtSnn.Tests.TestSupport;
using Xunit;

namespace MtSnn.Tests.Cli;

/// <summary>
/// <c>mtsnn neuron --input</c> streams: chunks of time steps with the membrane carried across chunks give exactly the
/// trace of the whole sequence run at once by the reference neuron (<see cref="PlaygroundTrace.Run"/>, one
/// <see cref="MultiThresholdNode"/> call over all steps), for every position of the chunk boundaries.
/// </summary>
public class PlaygroundStreamTests
{
    private static readonly NeuronOptions[] Neurons =
    [
        new() { Dynamics = Dynamics.LIF, Mode = FiringMode.Cascade, Levels = 4 },
        new() { Dynamics = Dynamics.IF, Mode = FiringMode.Parallel, Levels = 3, Reset = ResetMode.Hard, VReset = -0.25 },
        new() { Dynamics = Dynamics.PLIF, Mode = FiringMode.Single, Levels = 1, Tau = 3 },
    ];

    private static double[] Currents(int n, int seed)
    {
        var r = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => Math.Round(r.NextDouble() * 3 - 1, 6))];
    }

    private static string Text(IEnumerable<double> x, bool header = false) =>
        (header ? "x\n" : "") + string.Concat(x.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "\n"));

    private static string Streamed(NeuronOptions o, string text, int chunk)
    {
        var w = new StringWriter();
        NeuronCommand.Stream(o, new StringReader(text), "test", w, null, chunk);
        return w.ToString();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(16)]
    public void Chunked_trace_equals_the_one_shot_reference_for_every_boundary_position(int chunk)
    {
        for (int which = 0; which < Neurons.Length; which++)
        {
            var o = Neurons[which];
            // lengths on every position class around the chunk size: T = 1, c - 1, c, c + 1, 3c - 1, 3c, 3c + 1, and a long odd one
            foreach (int n in new[] { 1, chunk - 1, chunk, chunk + 1, 3 * chunk - 1, 3 * chunk, 3 * chunk + 1, 5 * chunk + 3 }.Where(n => n >= 1).Distinct())
            {
                var x = Currents(n, 100 * chunk + n);
                string oneShot = NeuronCommand.ToCsv(PlaygroundTrace.Run(o, x));
                Assert.True(oneShot == Streamed(o, Text(x, header: n % 2 == 0), chunk), $"neuron {which}, chunk {chunk}, T = {n}");
            }
        }
    }

    /// <summary>
    /// The streamed neuron is a double evaluation of the reference's equations: bit-identical to the reference module
    /// over every dynamics x decay_input x mode x reset x detach (random K, preset, V_th, tau, V_reset), trainable V_th too.
    /// </summary>
    [Fact]
    public void Streamed_neuron_is_bit_identical_to_the_reference_module_over_the_option_space()
    {
        var rng = new Random(12);
        var cases = Kernels.KernelCases.All(new ATan(), rng).ToList();
        cases.AddRange(cases.Where((_, i) => i % 5 == 0).Select(o => (o with { TrainableVThreshold = true, VThreshold = 0.9 }).Validate()).ToList());
        Assert.True(cases.Count >= 60, $"{cases.Count} option sets");
        foreach (var o in cases)
        {
            var x = Currents(40, rng.Next());
            string reference = NeuronCommand.ToCsv(PlaygroundTrace.Run(o, x));
            Assert.True(reference == Streamed(o, Text(x), 7), $"{o.Dynamics} decay={o.DecayInput} {o.Mode} K={o.Levels} {o.EffectivePreset} {o.EffectiveReset} detach={o.DetachReset} trainable-vth={o.TrainableVThreshold}");
        }
    }

    [Fact]
    public void Chunks_carry_the_membrane_rather_than_starting_fresh()
    {
        // IF cascade K = 4 pow2, x = 0.3 every step: the membrane after a step is never V_init = 0 here, so a chunk that
        // started fresh would give another H at its first step.
        var o = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 4 };
        var x = Enumerable.Repeat(0.3, 10).ToArray();
        var streamedRow5 = Streamed(o, Text(x), 5).Split('\n')[1 + 5].Split(',');
        var fresh = PlaygroundTrace.Run(o, x[5..]);
        Assert.NotEqual(fresh.H[0], double.Parse(streamedRow5[2], CultureInfo.InvariantCulture));
        Assert.Equal(PlaygroundTrace.Run(o, x).H[5], double.Parse(streamedRow5[2], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_cli_streams_a_file_over_several_chunks_and_equals_the_one_shot_csv()
    {
        using var tmp = new TempDir();
        int n = 2 * CurrentFile.ChunkSteps + 3;
        var x = Currents(n, 42);
        File.WriteAllText(tmp["x.txt"], Text(x, header: true));
        var r = CliRunner.Run("neuron", "--mode", "cascade", "--levels", "4", "--input", tmp["x.txt"], "--csv", tmp["out/t.csv"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        string expected = NeuronCommand.ToCsv(PlaygroundTrace.Run(new NeuronOptions { Mode = FiringMode.Cascade, Levels = 4 }, x));
        Assert.Equal(expected, File.ReadAllText(tmp["out/t.csv"]));
        Assert.Single(Directory.GetFiles(tmp["out"]));   // no temporary file left
    }

    [Fact]
    public void A_bad_line_after_the_first_chunk_of_a_file_writes_nothing()
    {
        using var tmp = new TempDir();
        int bad = CurrentFile.ChunkSteps + 10;
        File.WriteAllText(tmp["x.txt"], Text(Currents(bad - 1, 1)) + "abc\n1\n");
        var r = CliRunner.Run("neuron", "--input", tmp["x.txt"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.Contains($"x.txt:{bad}: 'abc' is not a finite number", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void A_bad_line_after_the_first_chunk_on_stdin_leaves_no_csv_file_and_no_folder()
    {
        using var tmp = new TempDir();
        int bad = CurrentFile.ChunkSteps + 10;
        byte[] stdin = Encoding.ASCII.GetBytes(Text(Currents(bad - 1, 2)) + "abc\n");
        var r = CliProcess.Run(["neuron", "--input", "-", "--csv", "out/deep/t.csv"], tmp.Path, stdin: stdin);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"stdin:{bad}: 'abc' is not a finite number", Assert.Single(r.ErrorLines));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    /// <summary>Lines of currents made as they are read (the input itself takes no memory).</summary>
    private sealed class GeneratedCurrents(int lines) : TextReader
    {
        private readonly Random _rng = new(7);
        private string _line = "";
        private int _pos, _made;

        public override int Read()
        {
            if (_pos == _line.Length)
            {
                if (_made == lines) return -1;
                _line = (_rng.NextDouble() * 3 - 1).ToString("F6", CultureInfo.InvariantCulture) + "\n";
                _pos = 0;
                _made++;
            }
            return _line[_pos++];
        }
    }

    /// <summary>A sink that counts characters and samples the managed heap and the process's working set at every chunk written.</summary>
    private sealed class SamplingSink : TextWriter
    {
        public long Chars, MaxManaged, MaxWorkingSet;
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => Chars++;
        public override void Write(StringBuilder? value) => Chars += value?.Length ?? 0;
        public override void Flush()
        {
            // what the stream holds after each chunk (a full collection: uncollected garbage depends on GC timing, not on the input)
            MaxManaged = Math.Max(MaxManaged, GC.GetTotalMemory(forceFullCollection: true));
            MaxWorkingSet = Math.Max(MaxWorkingSet, Environment.WorkingSet);
        }
    }

    private static SamplingSink StreamThrough(int lines)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var sink = new SamplingSink();
        long steps = NeuronCommand.Stream(Neurons[0], new GeneratedCurrents(lines), "generated", sink, null);
        Assert.Equal(lines, steps);
        return sink;
    }

    [Fact]
    public void Memory_does_not_grow_with_the_input_length()
    {
        // 30,000 and 300,000 lines (7 and 73 chunks): the managed heap and the working set seen while streaming the long
        // input stay within a few chunks' worth of the short one's (holding 300,000 rows of CSV text alone would be ~40 MB).
        StreamThrough(30_000);   // warm-up: JIT, first allocations
        var small = StreamThrough(30_000);
        var large = StreamThrough(300_000);
        Assert.True(large.Chars > 9 * small.Chars, $"{large.Chars} vs {small.Chars} characters written");
        Assert.True(large.MaxManaged < small.MaxManaged + (16 << 20), $"managed heap peak {large.MaxManaged >> 20} MiB (300k lines) vs {small.MaxManaged >> 20} MiB (30k lines)");
        Assert.True(large.MaxWorkingSet < small.MaxWorkingSet + (48 << 20), $"working set peak {large.MaxWorkingSet >> 20} MiB (300k lines) vs {small.MaxWorkingSet >> 20} MiB (30k lines)");
    }

    [Theory]
    [InlineData("1\r\n2\r\n3\r\n", 3)]
    [InlineData("1\r2\r3", 3)]
    [InlineData("x\n1\n2\n\n\n", 2)]
    public void Line_ends_and_trailing_blank_lines(string text, int steps)
    {
        Assert.Equal(steps, CurrentFile.ReadChunks(new StringReader(text), "t", 2).Sum(c => c.Length));
    }

    [Fact]
    public void An_overlong_line_is_refused_without_being_held()
    {
        var e = Assert.Throws<FormatException>(() => CurrentFile.ReadChunks(new StringReader("1\n" + new string('7', 10_000_000)), "t").ToList());
        Assert.Contains($"t:2: line longer than {CurrentFile.MaxLineLength} characters", e.Message);
    }
}
