using System.CommandLine;
using System.CommandLine.Help;
using System.Text;

namespace Strata.Cli;

/// <summary>
/// The help text: for strata itself the commands with one line each, for a command its usage,
/// description, arguments and every option with its default; both end with the exit codes.
/// </summary>
internal sealed class StrataHelp(StrataCommand app)
{
    private const int Width = 100;

    /// <summary>A space the wrapping does not break at.</summary>
    private const char Glue = '\u0001';

    public void Write(Command command, TextWriter output) => output.Write(command is RootCommand ? RootText() : CommandText(command));

    private string RootText()
    {
        var sb = new StringBuilder();
        sb.AppendLine("Usage: strata <command> [arguments] [options]");
        sb.AppendLine();
        Wrap(sb, app.Root.Description ?? "", "");
        sb.AppendLine();
        sb.AppendLine("Commands:");
        var rows = app.Root.Subcommands.Select(c => ($"{c.Name} {Arguments(c)}".TrimEnd(), app.SummaryOf(c))).ToList();
        Columns(sb, rows);
        sb.AppendLine();
        sb.AppendLine("Options:");
        Columns(sb, OptionRows(app.Root.Options));
        sb.AppendLine();
        Wrap(sb, "'strata <command> --help' lists a command's options and their defaults. No command writes onto its own input, "
            + "and an existing file or run is replaced only with --overwrite.", "");
        sb.AppendLine();
        Wrap(sb, CommandLine.ExitCodes, "");
        return sb.ToString();
    }

    private string CommandText(Command command)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Usage: strata {command.Name} {Arguments(command)} [options]".Replace("  ", " ", StringComparison.Ordinal));
        sb.AppendLine();
        foreach (var paragraph in (command.Description ?? "").Split("\n"))
            Wrap(sb, paragraph, "  ");
        if (command.Arguments.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Arguments:");
            Columns(sb, command.Arguments.Select(a => (a.Name, a.Description ?? "")).ToList());
        }
        sb.AppendLine();
        sb.AppendLine("Options:");
        var inherited = app.Root.Options.Where(o => o.Recursive);
        Columns(sb, OptionRows(command.Options.Concat(inherited)));
        sb.AppendLine();
        Wrap(sb, CommandLine.ExitCodes, "");
        return sb.ToString();
    }

    private static string Arguments(Command command) => string.Join(' ', command.Arguments.Select(a =>
        a.Arity.MinimumNumberOfValues == 0 ? $"[{a.Name}]" : a.Arity.MaximumNumberOfValues > 1 ? $"{a.Name} ..." : a.Name));

    private List<(string, string)> OptionRows(IEnumerable<Option> options)
    {
        var rows = new List<(string, string)>();
        foreach (var option in options.Where(o => !o.Hidden))
        {
            if (option is HelpOption) continue;
            string name = string.Join(", ", option.Aliases.Order().Append(option.Name));
            if (option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0) name += $" {option.HelpName ?? "VALUE"}";
            string text = option.Description ?? "";
            if (option.Required) text += " Required.";
            // "[default:" stays on the line of the value's first word.
            else if (app.DefaultOf(option) is string value) text += $" [default:{Glue}{value}]";
            rows.Add((name, text));
        }
        rows.Add(("-h, --help", "Show this help."));
        return rows;
    }

    /// <summary>Two columns: names padded to the widest (at most 30), descriptions wrapped beside them.</summary>
    private static void Columns(StringBuilder sb, IReadOnlyList<(string Left, string Right)> rows)
    {
        int left = Math.Min(32, rows.Max(r => r.Left.Length)) + 4;
        foreach (var (name, text) in rows)
        {
            var lines = Lines(text, Width - left);
            if (name.Length + 4 > left)
            {
                sb.Append("  ").AppendLine(name);
                foreach (var line in lines) sb.Append(' ', left).AppendLine(line);
                continue;
            }
            for (int i = 0; i < lines.Count; i++)
                sb.Append(i == 0 ? "  " + name.PadRight(left - 2) : new string(' ', left)).AppendLine(lines[i]);
        }
    }

    private static void Wrap(StringBuilder sb, string text, string indent)
    {
        foreach (var line in Lines(text, Width - indent.Length)) sb.Append(indent).AppendLine(line);
    }

    private static List<string> Lines(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.Replace(Glue, ' ').ToString());
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0 || lines.Count == 0) lines.Add(line.Replace(Glue, ' ').ToString());
        return lines;
    }
}
