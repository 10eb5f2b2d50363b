using System.Globalization;
using System.Text;
using Strata.Models;

namespace Strata.Runs;

/// <summary>A model's loss and metrics on labelled rows; <see cref="ToText"/> prints them as `strata evaluate` does.</summary>
public sealed record ModelEvaluation(string Description, int Rows, IReadOnlyDictionary<string, double> Scores)
{
    /// <summary>
    /// Scores <paramref name="model"/> on <paramref name="dataPath"/> (read with <see cref="ModelRows.ReadLabeled"/>):
    /// a CSV holding the model's target column, an .npy or .npz array, or a Fashion-MNIST IDX directory's test images.
    /// </summary>
    /// <param name="model">A compiled model (one loaded from a file that records its compile settings).</param>
    /// <param name="dataPath">The CSV, the array file or the IDX directory.</param>
    /// <param name="modelName">The model file, for error messages.</param>
    /// <param name="batchSize">Rows per forward pass.</param>
    /// <param name="targetsPath">An .npy or .npz holding the targets, for inputs that lack them.</param>
    public static ModelEvaluation Run(Sequential model, string dataPath, string modelName = "the model", int batchSize = 256, string? targetsPath = null)
    {
        if (model.Loss is null) throw new StrataException($"{modelName}: the model was saved without compile settings; it cannot be evaluated.");
        var rows = ModelRows.ReadLabeled(model, dataPath, modelName, targetsPath);
        return new ModelEvaluation(rows.Description, rows.Count, model.Evaluate(rows.X, rows.Y!, batchSize));
    }

    /// <summary>"Evaluating on the N rows of F", then one "key: value" line per score (4 decimals).</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        sb.Append("Evaluating on ").AppendLine(Description);
        foreach (var (key, value) in Scores)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{key}: {value:F4}"));
        return sb.ToString();
    }
}
