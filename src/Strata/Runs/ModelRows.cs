using Strata.Data;
using Strata.Models;
using Strata.Tensors;
using Strata.Formats;

namespace Strata.Runs;

/// <summary>
/// Rows as a trained model takes them: <see cref="X"/> its inputs, <see cref="Y"/> its target when the
/// data holds it (null otherwise), and <see cref="Description"/> what they are, for reports ("the 1599 rows of wine.csv").
/// </summary>
public sealed record ModelRows(Tensor X, Tensor? Y, string Description)
{
    /// <summary>The number of rows.</summary>
    public int Count => X.Dim(0);

    /// <summary>
    /// The rows of a CSV as <paramref name="model"/> takes them: its feature columns (by name when it
    /// knows them, categorical ones encoded with the categories of its training file) and its target
    /// column when the file has it. Only those columns are read, so text columns elsewhere in the
    /// file do no harm; a missing feature column or an unknown category is an error naming it.
    /// </summary>
    public static ModelRows ReadCsv(Sequential model, string path)
    {
        var recorded = TrainingMetadata.Of(model);
        var spec = recorded?.Spec;
        // A model trained on a file without a header row reads its inputs the same way (columns 0, 1, 2, ...).
        bool hasHeader = spec?.Header ?? true;
        var header = CsvTable.Header(path, null, hasHeader);
        string? target = spec?.Target is string t && header.Contains(t) ? t : null;
        if (recorded?.Encoding is { } encoding)
        {
            RequireColumns(encoding.Features, header, path);
            var text = encoding.Categorical.Select(c => c.Name).ToList();
            var numeric = encoding.NumericFeatures.ToList();
            if (target is not null) (encoding.Target is null ? numeric : text).Add(target);
            var table = CsvTable.Load(path, null, numeric, text, header: hasHeader);
            return new ModelRows(encoding.EncodeFeatures(table), target is null ? null : encoding.EncodeTarget(table, target), Describe(table.Rows, path));
        }
        if (model.FeatureNames is { } names)
        {
            RequireColumns(names, header, path);
            var table = CsvTable.Load(path, null, target is null ? names.ToArray() : names.Append(target).ToArray(), header: hasHeader);
            return new ModelRows(table.Select(names), target is null ? null : table.Select([target]), Describe(table.Rows, path));
        }
        var all = CsvTable.Load(path, header: hasHeader);
        var features = all.Columns.Where(c => c != target).ToArray();
        int expected = model.InputShape![^1];
        if (features.Length != expected)
            throw new StrataException($"{path}: the model expects {expected} columns; the file has {features.Length}.");
        return new ModelRows(all.Select(features), target is null ? null : all.Select([target]), Describe(all.Rows, path));
    }

    /// <summary>
    /// Labelled rows to score <paramref name="model"/> on: the test images of a Fashion-MNIST IDX
    /// directory, or a CSV holding the model's target column (an error when it lacks that column or
    /// the model does not record which column that is).
    /// </summary>
    public static ModelRows ReadLabeled(Sequential model, string path, string modelName = "the model")
    {
        if (Directory.Exists(path))
        {
            var set = Datasets.FashionMnist(path);
            return new ModelRows(set.TestImages, set.TestLabels, $"the {set.TestImages.Dim(0)} test images in {path}");
        }
        if (TrainingMetadata.Of(model)?.Spec.Target is not string recorded)
            throw new StrataException($"{modelName}: the model does not record its target column, so '{path}' cannot be split into inputs and targets.");
        var rows = ReadCsv(model, path);
        if (rows.Y is null) throw new StrataException($"{path}: there is no column '{recorded}' (the model's target).");
        return rows;
    }

    private static string Describe(int rows, string path) => $"the {rows} rows of {path}";

    private static void RequireColumns(IEnumerable<string> names, IReadOnlyList<string> header, string path)
    {
        var missing = names.Where(n => !header.Contains(n)).ToList();
        if (missing.Count > 0)
            throw new StrataException($"{path}: the model needs column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}, which the file lacks.");
    }
}
