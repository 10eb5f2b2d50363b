using System.Globalization;
using System.Text;

namespace Strata.Runs;

/// <summary>The lines `strata train` prints around a <see cref="TrainingRun"/>, for any caller that reports one.</summary>
public static class TrainingRunText
{
    /// <summary>"Training 'NAME' on DATA (first N rows) for E epochs (seed S, T threads)".</summary>
    public static string Starting(TrainingSpec spec, int threads) =>
        $"Training '{spec.Name}' on {spec.Dataset ?? Path.GetFileName(spec.DataPath)}{(spec.Limit is int n ? $" (first {n} rows)" : "")} for {spec.Epochs} epochs (seed {spec.Seed}, {threads} threads)";

    /// <summary>How many CSV rows were skipped for invalid values and why the first was; null when none were.</summary>
    public static string? Dropped(SpecData data) =>
        data.DroppedRows.Count == 0 ? null
            : $"Dropped {data.DroppedRows.Count} row{(data.DroppedRows.Count == 1 ? "" : "s")} with invalid values; the first: {data.DroppedRows.First}";

    /// <summary>
    /// "Done in Xs. Best val_loss: V at epoch E.", the test scores of an image set, and the files
    /// written, one line each.
    /// </summary>
    public static string Finished(TrainingRun.Result result, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(c,
            $"Done in {elapsed.TotalSeconds:F1}s. Best {(result.History.Contains("val_loss") ? "val_loss" : "loss")}: {result.BestValidationLoss:F4} at epoch {result.BestEpoch}."));
        if (result.Test is { } test)
            sb.AppendLine(string.Create(c, $"Test: {string.Join(", ", test.Select(kv => $"{kv.Key} {kv.Value:F4}"))}"));
        string directory = result.OutputDirectory;
        sb.AppendLine($"Wrote {Path.Combine(directory, "history.csv")}, {Path.Combine(directory, "learning-curves.svg")}, {Path.Combine(directory, "model.strata")}");
        return sb.ToString();
    }
}
