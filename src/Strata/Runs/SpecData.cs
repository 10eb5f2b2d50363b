using Strata.Data;
using Strata.Tensors;
using Strata.Formats;

namespace Strata.Runs;

/// <summary>
/// A spec's data, read and split as training uses it: the training rows, the validation rows (a
/// seeded split, grouped when the spec names a group column, or an image set's test part), the test
/// part of an image set, and the feature names of a table.
/// </summary>
public sealed record SpecData(Tensor TrainX, Tensor TrainY, (Tensor X, Tensor Y)? Validation, (Tensor X, Tensor Y)? Test, string[]? FeatureNames)
{
    /// <summary>How a table's columns became the model's inputs and target; null for image data.</summary>
    public FeatureEncoding? Encoding { get; init; }

    /// <summary>CSV rows skipped for invalid values (with drop_invalid_rows), and why the first was.</summary>
    public (int Count, string? First) DroppedRows { get; init; }

    /// <summary>Reads the spec's data: the CSV (with its encoding, row limit and split) or the image set's IDX files.</summary>
    public static SpecData Load(TrainingSpec spec)
    {
        Tensor x, y;
        string[]? featureNames = null;
        IReadOnlyList<string>? groups = null;
        (Tensor X, Tensor Y)? validation = null, test = null;
        (int, string?) dropped = (0, null);
        FeatureEncoding? encoding = null;
        if (spec.Dataset is not null)
        {
            var set = Datasets.FashionMnist(spec.DataPath, spec.Limit);
            (x, y) = (set.TrainImages, set.TrainLabels);
            test = (set.TestImages, set.TestLabels);
            // Without a validation split the test images are the validation data, as in the Keras examples.
            if (spec.ValidationSplit <= 0) validation = test;
        }
        else
        {
            string target = spec.Target!;
            var kinds = spec.Categorical;
            var header = CsvTable.Header(spec.DataPath, spec.Delimiter, spec.Header);
            var features = spec.Features ?? header.Where(c => c != target && c != spec.GroupBy).ToArray();
            if (features.Contains(target)) throw new StrataException($"{spec.SpecPath}: the target column '{target}' is also listed as a feature.");
            var numeric = features.Where(f => !kinds.ContainsKey(f)).ToList();
            var text = features.Where(kinds.ContainsKey).ToList();
            (kinds.ContainsKey(target) ? text : numeric).Add(target);
            if (spec.GroupBy is not null && !text.Contains(spec.GroupBy)) text.Add(spec.GroupBy);
            var table = CsvTable.Load(spec.DataPath, spec.Delimiter, numeric, text, spec.DropInvalidRows, spec.Header);
            dropped = (table.DroppedRows, table.FirstDroppedRow);
            encoding = FeatureEncoding.Fit(table, features, target, kinds);
            (x, y, featureNames) = (encoding.EncodeFeatures(table), encoding.EncodeTarget(table, target), encoding.InputNames);
            if (spec.GroupBy is not null) groups = table.Text(spec.GroupBy);
            if (spec.Limit is int limit && limit < x.Dim(0))
            {
                (x, y) = (x.SliceRows(0, limit), y.SliceRows(0, limit));
                groups = groups?.Take(limit).ToArray();
            }
        }
        if (spec.ValidationSplit > 0)
        {
            var (tx, ty, vx, vy) = groups is null
                ? DataSplit.TrainValidation(x, y, spec.ValidationSplit, spec.SplitSeed)
                : DataSplit.GroupedTrainValidation(x, y, groups, spec.ValidationSplit, spec.SplitSeed);
            (x, y) = (tx, ty);
            validation = (vx, vy);
        }
        else if (groups is not null)
            throw new StrataException($"{spec.SpecPath}: \"group_by\" needs a \"validation_split\" to group.");
        return new SpecData(x, y, validation, test, featureNames) { DroppedRows = dropped, Encoding = encoding };
    }
}
