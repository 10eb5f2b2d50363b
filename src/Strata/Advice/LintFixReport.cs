using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Runs;

namespace Strata.Advice;

/// <summary>Writes a <see cref="SpecFixResult"/> as a spec file and says what was fixed (what `strata lint --fix` prints).</summary>
public static class LintFixReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Where a fixed spec goes by default: SPEC-fixed.json beside SPEC.json.</summary>
    public static string DefaultPath(string specPath) =>
        Path.Combine(Path.GetDirectoryName(specPath) ?? "", Path.GetFileNameWithoutExtension(specPath) + "-fixed.json");

    /// <summary>
    /// Writes the fixed spec to <paramref name="destination"/> (atomically, indented), with its
    /// relative data path rewritten so it still names the same file from the new spec's folder.
    /// </summary>
    public static void Save(SpecFixResult result, TrainingSpec original, string destination)
    {
        var spec = (JsonObject)result.Spec.DeepClone();
        if (spec["data"] is JsonObject data && data["path"] is JsonValue p && p.TryGetValue(out string? relative) && !Path.IsPathRooted(relative))
        {
            string from = Path.GetDirectoryName(Path.GetFullPath(destination))!;
            data["path"] = Path.GetRelativePath(from, original.DataPath).Replace('\\', '/');
        }
        AtomicFile.WriteAllText(destination, spec.ToJsonString(Indented) + "\n");
    }

    /// <summary>
    /// "SOURCE: applied N fixes", one line per fix (rule, layers, change), "Wrote DESTINATION", then
    /// the <paramref name="remaining"/> findings as <see cref="LintReport.ToText"/> gives them.
    /// </summary>
    public static string ToText(SpecFixResult result, string source, string destination, IReadOnlyList<LintFinding> remaining)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{source}: applied {result.Applied.Count} fix{(result.Applied.Count == 1 ? "" : "es")}");
        foreach (var f in result.Applied)
            sb.AppendLine($"  {f.RuleId} {string.Join(", ", f.Layers.Select(l => $"#{l.Index} {l.Name}"))}: {f.Suggestion}");
        sb.AppendLine($"Wrote {destination}");
        sb.Append(LintReport.ToText(remaining, destination));
        return sb.ToString();
    }

    /// <summary>The same as JSON: the written spec's path, the fixes applied and the findings left.</summary>
    public static JsonObject ToJson(SpecFixResult result, string destination, IReadOnlyList<LintFinding> remaining) =>
        new() { ["spec"] = destination, ["applied"] = LintReport.ToJson(result.Applied), ["remaining"] = LintReport.ToJson(remaining) };
}
