using Strata.Runs;
using Strata.Models;

namespace Strata.Advice;

/// <summary>
/// A model file's findings, and why the rules that need its training data were skipped when they
/// were (<see cref="SkippedBecause"/>: the data file the model records could not be read).
/// </summary>
public sealed record ModelLintResult(IReadOnlyList<LintFinding> Findings, string? SkippedBecause)
{
    /// <summary>The line saying the data rules were skipped and why, naming <paramref name="source"/>; null when none were.</summary>
    public string? SkippedText(string source) =>
        SkippedBecause is null ? null : $"{source}: the rules that need the training data are skipped ({SkippedBecause})";
}

/// <summary>Lints a trained model with what its file records: its layers, loss, fit settings and training data.</summary>
public static class ModelLinter
{
    /// <summary>
    /// Lints <paramref name="model"/>'s layers and loss, and, when its file records the spec it was
    /// trained from (<see cref="TrainingMetadata"/>), the fit settings and the statistics of that
    /// spec's training rows. Data that can no longer be read skips only the rules that need it.
    /// </summary>
    public static ModelLintResult Lint(Sequential model)
    {
        var spec = TrainingMetadata.Of(model)?.Spec;
        LintContext? context = null;
        string? skipped = null;
        try
        {
            if (spec is not null) context = SpecLinter.ContextFor(spec) with { Loss = model.Loss };
        }
        catch (StrataException e)
        {
            // The layers and loss can still be checked without the data the model was trained on.
            skipped = e.Message;
        }
        return new ModelLintResult(model.Lint(context), skipped);
    }
}
