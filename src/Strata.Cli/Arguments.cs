using System.Globalization;
using Strata;

namespace Strata.Cli;

/// <summary>Positional arguments and --options of one command, with errors that name the option.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = [];
    private readonly HashSet<string> _used = [];

    public Arguments(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if (!flags.Contains(name))
                {
                    if (i + 1 >= list.Count) throw new StrataException($"Option --{name} needs a value.");
                    value = list[++i];
                }
                _options[name] = value;
            }
            else
            {
                Positional.Add(a);
            }
        }
    }

    public List<string> Positional { get; } = [];

    public bool Flag(string name) { _used.Add(name); return _options.ContainsKey(name); }

    public string? String(string name) { _used.Add(name); return _options.TryGetValue(name, out var v) ? v : null; }

    public int? Int(string name)
    {
        var s = String(name);
        if (s is null) return null;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v : throw new StrataException($"Option --{name} expects an integer. Received: '{s}'");
    }

    /// <summary>Rejects options the command does not know and fewer than <paramref name="minimum"/> positional arguments.</summary>
    public void FinishAtLeast(string command, int minimum)
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new StrataException($"Unknown option --{unknown[0]} for 'strata {command}'{NameSuggestion.DidYouMean(unknown[0], _used.Select(u => "--" + u), quote: "")}.");
        if (Positional.Count < minimum)
            throw new StrataException($"'strata {command}' expects at least {minimum} argument{(minimum == 1 ? "" : "s")}; received {Positional.Count}. See 'strata help'.");
    }

    /// <summary>Rejects options the command does not know and a wrong number of positional arguments.</summary>
    public void Finish(string command, int positional)
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new StrataException($"Unknown option --{unknown[0]} for 'strata {command}'{NameSuggestion.DidYouMean(unknown[0], _used.Select(u => "--" + u), quote: "")}.");
        if (Positional.Count != positional)
            throw new StrataException($"'strata {command}' expects {positional} argument{(positional == 1 ? "" : "s")}; received {Positional.Count}. See 'strata help'.");
    }
}
