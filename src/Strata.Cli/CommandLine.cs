using System.CommandLine;
using System.CommandLine.Help;
using System.Reflection;
using Strata.Tensors;

namespace Strata.Cli;

/// <summary>
/// The strata command: parses the arguments with System.CommandLine, runs the library function the
/// command names and prints what it returns. Errors print one line, "error: ...", on standard error.
/// </summary>
public static class CommandLine
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command failed (an input file, the data or the training), or `lint` left a warning or an error.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: an unknown command or option, a missing or malformed value, options that contradict.</summary>
    public const int UsageError = 2;

    /// <summary>`train` stopped on Ctrl-C after writing what the run had (128 + SIGINT, as a shell reports it).</summary>
    public const int Interrupted = 130;

    /// <summary>The exit codes as the help and the README state them.</summary>
    internal const string ExitCodes = "Exit codes: 0 success; 1 failure (a bad input file or data, a training that diverged, lint findings at warning level or above); 2 usage error (unknown command or option, bad or missing value); 130 train interrupted by Ctrl-C.";

    /// <summary>The version of the command, as `strata --version` prints it.</summary>
    public static string Version =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CommandLine).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Runs the strata command on <paramref name="args"/>, writing to the given writers, and returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        bool verbose = args.Contains("--verbose");
        var app = new StrataCommand(output, args);
        try
        {
            // A word that starts with @ is a file name, as it always was, not a response file.
            var parsed = app.Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (args.Length == 0)
            {
                new StrataHelp(app).Write(app.Root, output);
                return UsageError;
            }
            if (parsed.Errors.Count > 0 && parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
                throw new UsageException(ParseErrors.Describe(parsed, app));
            if (parsed.GetValue(app.Threads) is int threads) Compute.Threads = threads;
            // A bad STRATA_ISA is reported before any work starts, not in the middle of a run.
            _ = Compute.InstructionSet;
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // Ctrl-C is train's to handle: it finishes the batch and saves.
                ProcessTerminationTimeout = null,
            });
        }
        catch (UsageException e)
        {
            error.WriteLine($"error: {e.Message}");
            if (verbose) error.WriteLine(e);
            return UsageError;
        }
        catch (Exception e) when (e is StrataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            if (verbose) error.WriteLine(e);
            return Failure;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: internal error ({e.GetType().Name}): {e.Message}. Run again with --verbose for details.");
            if (verbose) error.WriteLine(e);
            return Failure;
        }
    }
}

/// <summary>A mistake in the command line (exit code 2), as opposed to a failure of the work it asked for.</summary>
internal sealed class UsageException(string message) : Exception(message);
