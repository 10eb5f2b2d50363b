using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Strata.Cli;

/// <summary>
/// Options as strata spells them: integers with a message that names the option and the value, the
/// default each option takes (printed by the help), and flags.
/// </summary>
internal sealed partial class StrataCommand
{
    /// <summary>An on/off option; off unless given.</summary>
    private Option<bool> Flag(string name, string description)
    {
        var option = new Option<bool>(name) { Description = description };
        _defaults[option] = "off";
        return option;
    }

    /// <summary>A text option; <paramref name="defaultText"/> says what holds when it is not given.</summary>
    private Option<string?> Text(string name, string helpName, string description, string defaultText)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = helpName };
        _defaults[option] = defaultText;
        return option;
    }

    /// <summary>A text option the command cannot do without.</summary>
    private static Option<string> RequiredText(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName, Required = true };

    /// <summary>
    /// An integer option with no fixed default (<paramref name="defaultText"/> says what holds without
    /// it); values below <paramref name="minimum"/> are refused with <paramref name="expects"/>.
    /// </summary>
    private Option<int?> Int(string name, string helpName, string description, string defaultText, int minimum = int.MinValue, string? expects = null)
    {
        var option = new Option<int?>(name)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = result => ParseInt(result, name, minimum, expects),
        };
        _defaults[option] = defaultText;
        return option;
    }

    /// <summary>An integer option with a fixed default.</summary>
    private Option<int> Int(string name, string helpName, string description, int defaultValue, int minimum = int.MinValue, string? expects = null)
    {
        var option = new Option<int>(name)
        {
            Description = description,
            HelpName = helpName,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => ParseInt(result, name, minimum, expects) ?? defaultValue,
        };
        _defaults[option] = defaultValue.ToString(CultureInfo.InvariantCulture);
        return option;
    }

    private static int? ParseInt(ArgumentResult result, string name, int minimum, string? expects)
    {
        if (result.Tokens.Count == 0) return null;
        string text = result.Tokens[0].Value;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            result.AddError($"Option {name} expects an integer. Received: '{text}'");
            return null;
        }
        if (value < minimum)
        {
            result.AddError($"Option {name} expects {expects ?? (minimum == 1 ? "a positive integer" : $"an integer of at least {minimum}")}. Received: {value}");
            return null;
        }
        return value;
    }

    /// <summary>A positive integer option with no fixed default.</summary>
    private Option<int?> Positive(string name, string helpName, string description, string defaultText) =>
        Int(name, helpName, description, defaultText, minimum: 1);

    /// <summary>A positive integer option with a fixed default.</summary>
    private Option<int> Positive(string name, string helpName, string description, int defaultValue) =>
        Int(name, helpName, description, defaultValue, minimum: 1);

    /// <summary>The --epochs and --limit overrides of a spec's fit, shared by train, lint, diagnose and compare.</summary>
    private (Option<int?> Epochs, Option<int?> Limit) SpecOverrides(string what) =>
        (Positive("--epochs", "N", $"Epochs to {what}.", "the spec's fit.epochs"),
         Positive("--limit", "N", "Keep only the first N training rows or images (quick runs).", "every row"));

    /// <summary>Adds arguments and options to a command, in the order the help lists them.</summary>
    private static Command With(Command command, params Symbol[] symbols)
    {
        foreach (var symbol in symbols)
        {
            if (symbol is Argument argument) command.Arguments.Add(argument);
            else if (symbol is Option option) command.Options.Add(option);
        }
        return command;
    }

    /// <summary>Refuses two options that cannot go together.</summary>
    private static void Exclusive(ParseResult parsed, Option a, Option b, string why)
    {
        if (parsed.GetResult(a) is { Implicit: false } && parsed.GetResult(b) is { Implicit: false })
            throw new UsageException($"Options {a.Name} and {b.Name} contradict each other: {why}");
    }

    /// <summary>True when the option was typed (not only defaulted).</summary>
    private static bool Given(ParseResult parsed, Option option) => parsed.GetResult(option) is { Implicit: false };
}
