namespace Strata.Advice;

/// <summary>How serious a lint finding is, least first; <c>strata lint</c> exits with 1 when a warning or error is found.</summary>
public enum LintSeverity
{
    /// <summary>Worth knowing; the model trains as intended.</summary>
    Info,

    /// <summary>Likely to cost accuracy or training time.</summary>
    Warning,

    /// <summary>A combination that is wrong, such as an output activation that does not fit the loss.</summary>
    Error,
}

/// <summary>A layer a finding is about: its position among the model's layers (the input layer not counted) and its name.</summary>
public readonly record struct LayerRef(int Index, string Name, string ClassName)
{
    /// <inheritdoc/>
    public override string ToString() => $"#{Index} {Name} ({ClassName})";
}

/// <summary>
/// One thing the linter found: a stable rule id, how serious it is, the layers concerned, what is
/// wrong in one line, why it matters, what to change, and where the reasoning comes from.
/// <see cref="Fix"/> is the edit <c>strata lint --fix</c> applies, or null where the change needs a person.
/// </summary>
public sealed record LintFinding(
    string RuleId,
    LintSeverity Severity,
    IReadOnlyList<LayerRef> Layers,
    string Message,
    string Why,
    string Suggestion,
    string Reference)
{
    /// <summary>The edit that resolves the finding, applied to a draft of the spec.</summary>
    public Action<ModelDraft>? Fix { get; init; }

    /// <summary>The severity as the lowercase word the text and JSON reports print: "error", "warning" or "info".</summary>
    public string SeverityName => Severity switch { LintSeverity.Error => "error", LintSeverity.Warning => "warning", _ => "info" };
}
