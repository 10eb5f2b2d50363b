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
        var shape = model.InputShape!;
        // A CSV row is flat: it can hold an input of shape (n,) only; an image model's inputs come as arrays.
        if (shape.Count != 2)
            throw new StrataException($"{path}: the model expects inputs of shape {ShapeOps.Format([.. shape.Skip(1)])}, which the flat rows of a CSV cannot hold; give them as a .npy or .npz array.");
        var all = CsvTable.Load(path, header: hasHeader);
        var features = all.Columns.Where(c => c != target).ToArray();
        if (features.Length != shape[1])
            throw new StrataException($"{path}: the model expects inputs of shape ({shape[1]},), {shape[1]} columns; the file has {features.Length}.");
        return new ModelRows(all.Select(features), target is null ? null : all.Select([target]), Describe(all.Rows, path));
    }

    /// <summary>
    /// A model's inputs, and its targets when the data holds them, from any form the commands take: an
    /// <c>.npy</c> or <c>.npz</c> array (told by its first bytes; see <see cref="ModelArrays"/>), a CSV (read
    /// with <see cref="ReadCsv"/>), or a Fashion-MNIST IDX directory (its test images and labels).
    /// </summary>
    /// <param name="model">The model whose inputs these are.</param>
    /// <param name="path">The array file, CSV or IDX directory.</param>
    /// <param name="targetsPath">An <c>.npy</c> or <c>.npz</c> holding the targets (its array "y", or its first), for inputs that lack them; null: the targets the data holds, if any.</param>
    public static ModelRows Read(Sequential model, string path, string? targetsPath = null)
    {
        if (Directory.Exists(path))
        {
            ImageRows.RefuseTargets(path, targetsPath);
            var set = Datasets.FashionMnist(path);
            return new ModelRows(set.TestImages, set.TestLabels, $"the {set.TestImages.Dim(0)} test images in {path}");
        }
        if (NumpyFile.IsNumpy(path)) return ModelArrays.Read(model, path, targetsPath);
        var rows = ReadCsv(model, path);
        return targetsPath is null ? rows : rows with { Y = ModelArrays.Targets(targetsPath, rows.Count, path) };
    }

    /// <summary>
    /// Labelled rows to score <paramref name="model"/> on, read as <see cref="Read"/> does: an error when
    /// there are no targets (a CSV without the model's target column, or a model that does not record which
    /// column that is; arrays without "y" and without <paramref name="targetsPath"/>).
    /// </summary>
    public static ModelRows ReadLabeled(Sequential model, string path, string modelName = "the model", string? targetsPath = null)
    {
        bool table = !Directory.Exists(path) && !NumpyFile.IsNumpy(path);
        if (table && targetsPath is null && TrainingMetadata.Of(model)?.Spec.Target is not string)
            throw new StrataException($"{modelName}: the model does not record its target column, so '{path}' cannot be split into inputs and targets.");
        var rows = Read(model, path, targetsPath);
        if (rows.Y is not null) return rows;
        throw new StrataException(table
            ? $"{path}: there is no column '{TrainingMetadata.Of(model)!.Spec.Target}' (the model's target)."
            : $"{path}: the arrays hold no targets; give them in a separate file, or as the array 'y' of an .npz.");
    }

    private static string Describe(int rows, string path) => $"the {rows} rows of {path}";

    private static void RequireColumns(IEnumerable<string> names, IReadOnlyList<string> header, string path)
    {
        var missing = names.Where(n => !header.Contains(n)).ToList();
        if (missing.Count > 0)
            throw new StrataException($"{path}: the model needs column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}, which the file lacks.");
    }
}
