using System.Text;

namespace Strata.Cli;

/// <summary>The command that continues an interrupted run: the one the user gave, with --resume DIR for --out.</summary>
public static class ResumeCommand
{
    /// <param name="launcher">The words that start strata, as the user typed them (see <see cref="Invocation"/>).</param>
    /// <param name="arguments">The arguments the interrupted command was given, "train" first.</param>
    /// <param name="directory">The run's folder.</param>
    public static string Format(IEnumerable<string> launcher, IReadOnlyList<string> arguments, string directory)
    {
        var kept = new List<string>();
        for (int i = 0; i < arguments.Count; i++)
        {
            string a = arguments[i];
            if (a is "--out" or "--resume") { i++; continue; }
            if (a is "--overwrite" || a.StartsWith("--out=", StringComparison.Ordinal) || a.StartsWith("--resume=", StringComparison.Ordinal)) continue;
            kept.Add(a);
        }
        kept.Add("--resume");
        kept.Add(directory);
        return string.Join(' ', launcher.Concat(kept).Select(Quote));
    }

    /// <summary>A word as a POSIX shell reads it back: bare when safe, otherwise in single quotes.</summary>
    internal static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c))) return word;
        var sb = new StringBuilder("'");
        foreach (char c in word) sb.Append(c == '\'' ? "'\\''" : c.ToString());
        return sb.Append('\'').ToString();
    }
}
