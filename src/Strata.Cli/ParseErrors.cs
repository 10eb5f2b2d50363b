using System.CommandLine;
using System.CommandLine.Parsing;

namespace Strata.Cli;

/// <summary>
/// The one line a command line that does not parse gets: the first mistake, in strata's words, with
/// the closest command or option when the mistake looks like a typo.
/// </summary>
internal static class ParseErrors
{
    public static string Describe(ParseResult parsed, StrataCommand app)
    {
        var command = parsed.CommandResult.Command;
        var unmatched = parsed.UnmatchedTokens;
        if (command is RootCommand)
        {
            string? first = unmatched.FirstOrDefault();
            if (first is null) return $"No command given. Commands: {string.Join(", ", app.CommandNames)}. See 'strata --help'.";
            if (first.StartsWith('-')) return UnknownOption(first, command, app);
            return $"Unknown command '{first}'{NameSuggestion.DidYouMean(first, app.CommandNames)}. Commands: {string.Join(", ", app.CommandNames)}.";
        }
        string name = $"'strata {command.Name}'";
        if (unmatched.FirstOrDefault(t => t.StartsWith('-') && t.Length > 1 && !double.TryParse(t, out _)) is string option)
            return UnknownOption(option, command, app);
        foreach (var error in parsed.Errors)
        {
            // Values the option parsers refused carry strata's own message.
            if (error.SymbolResult is OptionResult { Option: var o } result)
            {
                if (result.Tokens.Count == 0 && !o.Required) return $"Option {o.Name} needs a value.";
                if (result.Tokens.Count == 0 && o.Required) return $"{name} needs {o.Name} {o.HelpName}.";
                return error.Message;
            }
        }
        var argument = command.Arguments.FirstOrDefault();
        if (argument is not null)
        {
            int received = parsed.CommandResult.Children.OfType<ArgumentResult>().Sum(a => a.Tokens.Count) + unmatched.Count;
            int minimum = argument.Arity.MinimumNumberOfValues, maximum = argument.Arity.MaximumNumberOfValues;
            if (received < minimum || received > maximum)
            {
                string expected = minimum == maximum ? $"{minimum} argument{(minimum == 1 ? "" : "s")} ({argument.Name})"
                    : maximum > 1 ? $"at least {minimum} argument{(minimum == 1 ? "" : "s")} ({argument.Name} ...)"
                    : $"at most {maximum} argument ({argument.Name})";
                return $"{name} expects {expected}; received {received}{(unmatched.Count > 0 ? $" ('{unmatched[0]}' is one too many)" : "")}. See 'strata {command.Name} --help'.";
            }
        }
        return parsed.Errors[0].Message;
    }

    private static string UnknownOption(string token, Command command, StrataCommand app)
    {
        string option = token.Split('=', ':')[0];
        var known = command.Options.Concat(app.Root.Options.Where(o => o.Recursive || command is RootCommand))
            .SelectMany(o => o.Aliases.Append(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct();
        string where = command is RootCommand ? "'strata'" : $"'strata {command.Name}'";
        return $"Unknown option {option} for {where}{NameSuggestion.DidYouMean(option, known, quote: "")}. See '{where[1..^1]} --help'.";
    }
}
