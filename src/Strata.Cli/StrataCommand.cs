using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Strata.Cli;

/// <summary>
/// The command tree of one invocation: every command with its arguments and options, the defaults
/// and summaries the help prints, and the writer the commands print to.
/// </summary>
internal sealed partial class StrataCommand
{
    private readonly TextWriter _output;
    private readonly string[] _arguments;
    private readonly Dictionary<Symbol, string> _defaults = [];
    private readonly Dictionary<Command, string> _summaries = [];

    public StrataCommand(TextWriter output, string[] arguments)
    {
        _output = output;
        _arguments = arguments;
        Root = new RootCommand("Strata: train Keras-style models from a JSON spec, lint and diagnose where Dropout and BatchNormalization go, "
            + "predict, evaluate, recalibrate and export them.");
        Verbose = Flag("--verbose", "Print the stack trace with an error.");
        Verbose.Recursive = true;
        Threads = Int("--threads", "N", "Worker threads of the compute engine.", "the number of processor cores", minimum: 1);
        Threads.Recursive = true;
        Root.Options.Add(Verbose);
        Root.Options.Add(Threads);
        foreach (var option in Root.Options)
        {
            if (option is HelpOption) option.Action = new HelpAction(this);
            if (option is VersionOption)
            {
                option.Action = new VersionAction();
                option.Description = "Print the version and exit.";
            }
        }
        foreach (var command in new[] { TrainCommand(), LintCommand(), DiagnoseCommand(), CompareCommand(), SummaryCommand(), ExportCommand(),
            EvaluateCommand(), PredictCommand(), RecalibrateCommand(), BenchCommand(), HelpCommand() })
            Root.Subcommands.Add(command);
    }

    public RootCommand Root { get; }

    public Option<bool> Verbose { get; }

    public Option<int?> Threads { get; }

    /// <summary>What the help prints as an option's default, when it has one.</summary>
    public string? DefaultOf(Symbol symbol) => _defaults.TryGetValue(symbol, out var text) ? text : null;

    /// <summary>The one line the command list of the help gives a command.</summary>
    public string SummaryOf(Command command) => _summaries.TryGetValue(command, out var text) ? text : command.Description ?? "";

    /// <summary>A command with its one-line summary (for the command list) and its full description (for its own help).</summary>
    private Command NewCommand(string name, string summary, string description)
    {
        var command = new Command(name, description);
        _summaries[command] = summary;
        return command;
    }

    private Command HelpCommand()
    {
        var topic = new Argument<string?>("COMMAND") { Description = "The command to describe; none: every command.", Arity = ArgumentArity.ZeroOrOne };
        var command = NewCommand("help", "Show this text, or one command's options.", "Show the commands, or with COMMAND that command's arguments and options.");
        command.Arguments.Add(topic);
        command.SetAction(parsed =>
        {
            var name = parsed.GetValue(topic);
            var target = name is null ? Root : Root.Subcommands.FirstOrDefault(c => c.Name == name)
                ?? throw new UsageException($"Unknown command '{name}'{NameSuggestion.DidYouMean(name, CommandNames)}. Commands: {string.Join(", ", CommandNames)}.");
            new StrataHelp(this).Write(target, _output);
            return CommandLine.Success;
        });
        return command;
    }

    /// <summary>The names of the commands, in the order the help lists them.</summary>
    public IEnumerable<string> CommandNames => Root.Subcommands.Select(c => c.Name);

    /// <summary>--help and -h: the command's help, from <see cref="StrataHelp"/>.</summary>
    private sealed class HelpAction(StrataCommand app) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            new StrataHelp(app).Write(parseResult.CommandResult.Command, parseResult.InvocationConfiguration.Output);
            return CommandLine.Success;
        }
    }

    /// <summary>--version: the version number alone.</summary>
    private sealed class VersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(CommandLine.Version);
            return CommandLine.Success;
        }
    }
}
