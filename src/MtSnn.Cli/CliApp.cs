using System.CommandLine;
using MtSnn.Cli.Commands;
using MtSnn.Native;
using MtSnn.Settings;

namespace MtSnn.Cli;

/// <summary>
/// The <c>mtsnn</c> command line: subcommands in the style of <c>dotnet</c>. Bad input anywhere ends with one
/// line <c>mtsnn: error: ...</c> on stderr and exit code 2; an unexpected failure exits 1.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code for bad input (usage, files, options).</summary>
    public const int BadInput = 2;

    /// <summary>The command's name in usage lines and messages (whatever the executable is called: MtSnn.Cli, a dotnet tool, dotnet run).</summary>
    public const string Name = "mtsnn";

    /// <summary>Builds the root command with every subcommand.</summary>
    public static Command Build()
    {
        // A plain command named mtsnn rather than RootCommand, whose name is the executable's (help said "MtSnn.Cli train").
        var root = new Command(Name, "MtSnn: train, analyse and deploy multi-threshold spiking neural networks.") { Options = { new System.CommandLine.Help.HelpOption(), new VersionOption() } };
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(NeuronCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(DvsEmulateCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(InferCommand.Create());
        root.Subcommands.Add(EnergyCommand.Create());
        return root;
    }

    /// <summary>Exit code for an unexpected failure (a bug): one line naming the exception, never a stack trace.</summary>
    public const int InternalError = 1;

    /// <summary>Parses and runs; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            string help = string.Join(' ', [.. CommandPath(parse), "--help"]);
            stderr.WriteLine(ErrorLine($"{ParseErrorMessage(root, parse)} (see '{help}')"));
            return BadInput;
        }
        try
        {
            // Every MTSNN_* setting is checked here, before any command runs (doctor included): one line, exit 2.
            MtSnnSettings.Current.Validate();
            // The module initializer only remembers runtime failures; a bad MTSNN_MALLOC must stop every command here
            // (other runtime failures surface where tensors are first used, so `mtsnn doctor` can still report them).
            CpuAllocator.EnsureConfigured();
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsBadInput(Unwrap(e)))
        {
            stderr.WriteLine(ErrorLine(FirstLine(Unwrap(e).Message)));
            return BadInput;
        }
        catch (Exception e) when (OutOfMemory(Unwrap(e)) is { } what)
        {
            stderr.WriteLine(ErrorLine($"not enough memory: {what} (try a smaller --T, --batch-size or model)"));
            return BadInput;
        }
        catch (Exception e)
        {
            var inner = Unwrap(e);
            stderr.WriteLine(ErrorLine($"internal error ({inner.GetType().Name}): {FirstLine(inner.Message)}"));
            return InternalError;
        }
    }

    /// <summary>The one stderr line of a failure: <c>mtsnn: error: </c> and the message with every unprintable character escaped.</summary>
    public static string ErrorLine(string message) => "mtsnn: error: " + PrintableText.Escape(message);

    /// <summary>What could not be allocated, when <paramref name="e"/> is a failed allocation (.NET's or libtorch's); else null.</summary>
    private static string? OutOfMemory(Exception e)
    {
        if (e is OutOfMemoryException or InsufficientMemoryException) return "the .NET runtime could not allocate the memory asked for";
        if (e is not System.Runtime.InteropServices.ExternalException || !e.Message.Contains("can't allocate memory", StringComparison.Ordinal)) return null;
        var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"allocate (\d+) bytes");
        return m.Success ? $"libtorch could not allocate {long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) / (1 << 20)} MiB" : "libtorch could not allocate a tensor";
    }

    /// <summary>The exception a static initialiser or reflection wrapped.</summary>
    private static Exception Unwrap(Exception e)
    {
        while (e is TypeInitializationException or System.Reflection.TargetInvocationException or AggregateException && e.InnerException is not null)
            e = e.InnerException!;
        return e;
    }

    /// <summary>The parser's first error, except that a missing or unknown command names the commands there are.</summary>
    private static string ParseErrorMessage(Command root, ParseResult parse)
    {
        if (parse.CommandResult.Command == root)
        {
            string allowed = string.Join(", ", root.Subcommands.Select(c => c.Name));
            string? first = parse.Tokens.FirstOrDefault()?.Value;
            return first is null || first.StartsWith('-')
                ? $"no command given (allowed: {allowed})"
                : $"unknown command '{first}' (allowed: {allowed})";
        }
        return ParseErrorText.Describe(OneLine(parse.Errors[0].Message));
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
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
