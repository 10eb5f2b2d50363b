using System.Text;
using System.Text.Json.Nodes;

namespace Strata.Advice;

/// <summary>Findings as text for people and as JSON for machines.</summary>
public static class LintReport
{
    /// <summary>A headline with the counts, then each finding with its why, suggested change and reference.</summary>
    public static string ToText(IReadOnlyList<LintFinding> findings, string source, bool brief = false)
    {
        var sb = new StringBuilder();
        sb.Append(source).Append(": ").AppendLine(Counts(findings));
        foreach (var f in findings)
        {
            sb.Append("  ").Append(f.SeverityName).Append(' ').Append(f.RuleId).Append(' ')
                .AppendJoin(", ", f.Layers.Select(l => $"#{l.Index} {l.Name}")).AppendLine();
            sb.Append("    ").AppendLine(f.Message);
            if (!brief) sb.Append("    why: ").AppendLine(f.Why);
            sb.Append("    fix: ").Append(f.Suggestion).AppendLine(brief || f.Fix is null ? "" : " (strata lint --fix does this)");
            if (!brief) sb.Append("    see: ").AppendLine(f.Reference);
        }
        return sb.ToString();
    }

    /// <summary>The headline count, e.g. "3 findings (1 error, 2 warnings)", or "no findings".</summary>
    public static string Counts(IReadOnlyList<LintFinding> findings)
    {
        if (findings.Count == 0) return "no findings";
        int errors = findings.Count(f => f.Severity == LintSeverity.Error), warnings = findings.Count(f => f.Severity == LintSeverity.Warning);
        int infos = findings.Count - errors - warnings;
        var parts = new List<string>();
        if (errors > 0) parts.Add($"{errors} error{(errors == 1 ? "" : "s")}");
        if (warnings > 0) parts.Add($"{warnings} warning{(warnings == 1 ? "" : "s")}");
        if (infos > 0) parts.Add($"{infos} info");
        return $"{findings.Count} finding{(findings.Count == 1 ? "" : "s")} ({string.Join(", ", parts)})";
    }

    /// <summary>
    /// The findings as a JSON array, one object each with the rule, severity, layers, message, why, suggestion,
    /// reference and whether --fix can apply it.
    /// </summary>
    public static JsonArray ToJson(IReadOnlyList<LintFinding> findings) =>
        new(findings.Select(f => (JsonNode)new JsonObject
        {
            ["rule"] = f.RuleId,
            ["severity"] = f.SeverityName,
            ["layers"] = new JsonArray(f.Layers.Select(l => (JsonNode)new JsonObject { ["index"] = l.Index, ["name"] = l.Name, ["class_name"] = l.ClassName }).ToArray()),
            ["message"] = f.Message,
            ["why"] = f.Why,
            ["suggestion"] = f.Suggestion,
            ["reference"] = f.Reference,
            ["fixable"] = f.Fix is not null,
        }).ToArray());
}
