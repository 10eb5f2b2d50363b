namespace Strata;

/// <summary>The closest known name to a misspelled one, for "did you mean ...?" in error messages.</summary>
public static class NameSuggestion
{
    /// <summary>
    /// The candidate nearest to <paramref name="name"/> by edit distance (insertions, deletions,
    /// substitutions and swaps of neighbours, ignoring case, '_' and '-'), or null when none is
    /// close enough to be a plausible typo: at most a third of the longer name's length, and at least 2.
    /// </summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string a = Fold(name);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            string b = Fold(candidate);
            int distance = b.Contains(a, StringComparison.Ordinal) || a.Contains(b, StringComparison.Ordinal)
                ? Math.Abs(a.Length - b.Length) : Distance(a, b);
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        if (best is null) return null;
        int allowed = Math.Max(2, Math.Max(a.Length, Fold(best).Length) / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>" (did you mean 'x'?)" for the closest candidate, or "" when none is close.</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates, string quote = "'") =>
        Closest(name, candidates) is string s ? $" (did you mean {quote}{s}{quote}?)" : "";

    private static string Fold(string s) => s.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
