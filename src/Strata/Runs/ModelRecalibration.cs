using System.Globalization;
using System.Text;
using Strata.Models;

namespace Strata.Runs;

/// <summary>How <see cref="ModelRecalibration.Run"/> picks its rows and batches.</summary>
/// <param name="Batches">Use only the first this many batches (all rows by default).</param>
/// <param name="BatchSize">Rows per batch.</param>
/// <param name="AllRows">Use every row of the file, even when the model's spec held some out for validation.</param>
public sealed record RecalibrationOptions(int? Batches = null, int BatchSize = 256, bool AllRows = false);

/// <summary>
/// What a recalibration did: which rows it used (<see cref="TrainingRows"/> is set when they were the
/// training rows of the model's own split), each BatchNormalization layer's change, and the loss and
/// metrics before and after on the held-out rows (or on every row, when none were held out).
/// </summary>
public sealed record ModelRecalibration(
    IReadOnlyList<RecalibratedLayer> Layers,
    int? TrainingRows,
    double ValidationSplit,
    int SplitSeed,
    bool OnValidationRows,
    IReadOnlyDictionary<string, double>? Before,
    IReadOnlyDictionary<string, double>? After)
{
    /// <summary>
    /// Recomputes every BatchNormalization layer's moving statistics of <paramref name="model"/> from
    /// the rows of <paramref name="dataPath"/> (precise BN). When the file holds the model's target and
    /// its spec split off validation rows, it uses that split's training rows (see
    /// <see cref="TrainingMetadata.Split"/>) and scores the validation rows before and after, unless
    /// <see cref="RecalibrationOptions.AllRows"/>. The model is changed in place; save it to keep it.
    /// </summary>
    public static ModelRecalibration Run(Sequential model, string dataPath, RecalibrationOptions? options = null, string modelName = "the model")
    {
        options ??= new RecalibrationOptions();
        var rows = ModelRows.ReadCsv(model, dataPath);
        var recorded = TrainingMetadata.Of(model);
        var calibration = rows.X;
        (Tensors.Tensor X, Tensors.Tensor Y)? evaluation = null;
        int? trainingRows = null;
        bool validation = false;
        if (rows.Y is { } y && model.Loss is not null)
        {
            if (!options.AllRows && recorded?.Split(rows, dataPath, modelName) is { } split)
            {
                calibration = split.TrainX;
                evaluation = (split.ValidationX, split.ValidationY);
                trainingRows = split.TrainX.Dim(0);
                validation = true;
            }
            else evaluation = (rows.X, y);
        }
        var before = evaluation is { } e1 ? model.Evaluate(e1.X, e1.Y, 256) : null;
        var layers = model.RecalibrateBatchNorm(calibration, options.Batches, options.BatchSize);
        if (layers.Count == 0) throw new StrataException($"{modelName}: the model has no BatchNormalization layer to recalibrate.");
        var after = evaluation is { } e2 ? model.Evaluate(e2.X, e2.Y, 256) : null;
        return new ModelRecalibration(layers, trainingRows, recorded?.Spec.ValidationSplit ?? 0, recorded?.Spec.SplitSeed ?? 0, validation, before, after);
    }

    /// <summary>
    /// The rows used, one line per layer (values per channel, mean shift, variance ratio) and
    /// "key: before, after" per score (val_ keys on validation rows). <paramref name="allRowsHint"/>
    /// follows the line about the split, to say how to use every row instead.
    /// </summary>
    public string ToText(string? allRowsHint = null)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (TrainingRows is int n)
            sb.AppendLine(string.Create(c, $"Recalibrating on the {n} training rows of the model's split (validation_split {ValidationSplit}, split_seed {SplitSeed}){(allRowsHint is null ? "." : "; " + allRowsHint + ".")}"));
        foreach (var layer in Layers)
            sb.AppendLine(string.Create(c, $"  {layer.Name}: {layer.Count} values per channel, mean moved by {layer.MeanShift:G4} on average, variance x{layer.VarianceRatio:G4}"));
        if (Before is not null && After is not null)
        {
            string prefix = OnValidationRows ? "val_" : "";
            foreach (var (key, value) in Before)
                sb.AppendLine(string.Create(c, $"{prefix}{key}: {value:F4} before, {After[key]:F4} after"));
        }
        return sb.ToString();
    }
}
