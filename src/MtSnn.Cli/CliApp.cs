using System.CommandLine;
using MtSnn.Cli.Commands;
using MtSnn.Native;

namespace MtSnn.Cli;

/// <summary>
/// The <c>mtsnn</c> command line: subcommands in the style of <c>dotnet</c>. Bad input anywhere ends with one
/// line <c>mtsnn: error: ...</c> on stderr and exit code 2; an unexpected failure exits 1.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code for bad input (usage, files, options).</summary>
    public const int BadInput = 2;

    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("MtSnn: train, analyse and deploy multi-threshold spiking neural networks.");
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(NeuronCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(DvsEmulateCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(InferCommand.Create());
        root.Subcommands.Add(EnergyCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"mtsnn: error: {OneLine(parse.Errors[0].Message)} (see 'mtsnn {string.Join(' ', CommandPath(parse))} --help')");
            return BadInput;
        }
        try
        {
            // The module initializer only remembers runtime failures; a bad MTSNN_MALLOC must stop every command here
            // (other runtime failures surface where tensors are first used, so `mtsnn doctor` can still report them).
            CpuAllocator.EnsureConfigured();
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsBadInput(e))
        {
            stderr.WriteLine($"mtsnn: error: {FirstLine(e.Message)}");
            return BadInput;
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command.Name);
        return names;
    }

    /// <summary>Errors that mean the user's input (options, files, data) is wrong rather than a bug.</summary>
    public static bool IsBadInput(Exception e) => e is ArgumentException or FormatException or InvalidDataException
        or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException
        or NativeRuntimeException or ElfFormatException or UsageException or NotSupportedException
        or MtSnn.Data.DatasetException or MtSnn.Distributed.NativeCollectiveException or MtSnn.Runtime.Format.ModelFormatException;

    /// <summary>The first line of <paramref name="s"/>.</summary>
    internal static string FirstLine(string s) => s.Split('\n')[0].TrimEnd('\r');

    private static string OneLine(string s) => string.Join(' ', s.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
}

/// <summary>A command-line usage error with a one-line message.</summary>
public sealed class UsageException(string message) : Exception(message);
