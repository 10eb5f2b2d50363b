using System.Globalization;
using System.Text;
using Strata.Models;

namespace Strata.Runs;

/// <summary>How <see cref="ModelRecalibration.Run"/> picks its rows and batches.</summary>
/// <param name="Batches">Use only the first this many batches (all rows by default).</param>
/// <param name="BatchSize">Rows per batch.</param>
/// <param name="AllRows">Use every row of the file (every training image of an IDX directory), even when the model's spec held some out for validation.</param>
/// <param name="TargetsPath">An .npy or .npz holding the targets of array inputs that lack them.</param>
public sealed record RecalibrationOptions(int? Batches = null, int BatchSize = 256, bool AllRows = false, string? TargetsPath = null);

/// <summary>
/// What a recalibration did: which rows it used (<see cref="TrainingRows"/> is set when they were the
/// training rows of the model's own split), each BatchNormalization layer's change, and the loss and
/// metrics before and after on the held-out rows (or on every row, when none were held out). On an
/// IDX directory, <see cref="Images"/> says which training images it used; the scores are on its test images.
/// </summary>
public sealed record ModelRecalibration(
    IReadOnlyList<RecalibratedLayer> Layers,
    int? TrainingRows,
    double ValidationSplit,
    int SplitSeed,
    bool OnValidationRows,
    IReadOnlyDictionary<string, double>? Before,
    IReadOnlyDictionary<string, double>? After,
    string? Images = null)
{
    /// <summary>
    /// Recomputes every BatchNormalization layer's moving statistics of <paramref name="model"/> from
    /// the rows of <paramref name="dataPath"/> (precise BN), in any form <see cref="ModelRows.Read"/> takes.
    /// When the rows hold the model's target and its spec split off validation rows, it uses that split's
    /// training rows (see <see cref="TrainingMetadata.Split"/>) and scores the validation rows before and
    /// after, unless <see cref="RecalibrationOptions.AllRows"/>. On an IDX directory it uses the training
    /// images (<see cref="ImageRows.Read"/>) and scores the test images. The model is changed in place; save it to keep it.
    /// </summary>
    public static ModelRecalibration Run(Sequential model, string dataPath, RecalibrationOptions? options = null, string modelName = "the model")
    {
        options ??= new RecalibrationOptions();
        if (Directory.Exists(dataPath))
        {
            ImageRows.RefuseTargets(dataPath, options.TargetsPath);
            return OnImages(model, ImageRows.Read(model, dataPath, options.AllRows), options, modelName);
        }
        var rows = ModelRows.Read(model, dataPath, options.TargetsPath);
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
        var (layers, before, after) = Recalibrate(model, calibration, evaluation, options, modelName);
        return new ModelRecalibration(layers, trainingRows, recorded?.Spec.ValidationSplit ?? 0, recorded?.Spec.SplitSeed ?? 0, validation, before, after);
    }

    private static ModelRecalibration OnImages(Sequential model, ImageRows images, RecalibrationOptions options, string modelName)
    {
        (Tensors.Tensor, Tensors.Tensor)? test = model.Loss is null ? null : (images.TestX, images.TestY);
        var (layers, before, after) = Recalibrate(model, images.TrainX, test, options, modelName);
        var recorded = TrainingMetadata.Of(model)?.Spec;
        return new ModelRecalibration(layers, images.OwnRun ? images.TrainX.Dim(0) : null, recorded?.ValidationSplit ?? 0, recorded?.SplitSeed ?? 0, false, before, after,
            $"{images.Described}, scored on its {images.TestX.Dim(0)} test images");
    }

    /// <summary>The recalibration itself, with the scores on <paramref name="evaluation"/> before and after.</summary>
    private static (IReadOnlyList<RecalibratedLayer>, IReadOnlyDictionary<string, double>?, IReadOnlyDictionary<string, double>?) Recalibrate(
        Sequential model, Tensors.Tensor calibration, (Tensors.Tensor X, Tensors.Tensor Y)? evaluation, RecalibrationOptions options, string modelName)
    {
        var before = evaluation is { } e1 ? model.Evaluate(e1.X, e1.Y, 256) : null;
        var layers = model.RecalibrateBatchNorm(calibration, options.Batches, options.BatchSize);
        if (layers.Count == 0) throw new StrataException($"{modelName}: the model has no BatchNormalization layer to recalibrate.");
        var after = evaluation is { } e2 ? model.Evaluate(e2.X, e2.Y, 256) : null;
        return (layers, before, after);
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
        if (Images is not null)
            sb.AppendLine($"Recalibrating on {Images}{(allRowsHint is null || TrainingRows is null ? "." : "; " + allRowsHint + ".")}");
        else if (TrainingRows is int n)
            sb.AppendLine(string.Create(c, $"Recalibrating on the {n} training rows of the model's split (validation_split {ValidationSplit}, split_seed {SplitSeed}){(allRowsHint is null ? "." : "; " + allRowsHint + ".")}"));
        foreach (var layer in Layers)
            sb.AppendLine(string.Create(c, $"  {layer.Name}: {layer.Count} values per channel, mean moved by {layer.MeanShift:G4} on average, variance x{layer.VarianceRatio:G4}"));
        if (Before is not null && After is not null)
        {
            string prefix = Images is not null ? "test_" : OnValidationRows ? "val_" : "";
            foreach (var (key, value) in Before)
                sb.AppendLine(string.Create(c, $"{prefix}{key}: {value:F4} before, {After[key]:F4} after"));
        }
        return sb.ToString();
    }
}
