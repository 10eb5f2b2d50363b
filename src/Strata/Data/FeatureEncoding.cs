using System.Text.Json.Nodes;
using Strata.Tensors;
using Strata.Formats;

namespace Strata.Data;

/// <summary>
/// How a text column becomes numbers: "one_hot" (one 0/1 column per category) or "label" (the
/// category's index). Categories are the distinct values of the training file, in ordinal order,
/// so the same file always gives the same encoding; a value not seen then is an error naming it.
/// </summary>
public sealed record CategoricalColumn(string Name, string Kind, IReadOnlyList<string> Categories)
{
    /// <summary>
    /// The encoding of column <paramref name="name"/> fitted on its training <paramref name="values"/>;
    /// <paramref name="kind"/> is "one_hot" or "label", and the column needs at least two distinct values.
    /// </summary>
    public static CategoricalColumn Fit(string name, string kind, IReadOnlyList<string> values)
    {
        if (kind is not ("one_hot" or "label"))
            throw new StrataException($"Column '{name}': the categorical encoding must be \"one_hot\" or \"label\". Received: \"{kind}\"");
        var categories = values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (categories.Length < 2) throw new StrataException($"Column '{name}' has {categories.Length} distinct value{(categories.Length == 1 ? "" : "s")}; a categorical column needs at least 2.");
        return new CategoricalColumn(name, kind, categories);
    }

    /// <summary>How many model inputs the column becomes.</summary>
    public int Width => Kind == "one_hot" ? Categories.Count : 1;

    /// <summary>The names of those inputs: column=category for one-hot, the column itself for labels.</summary>
    public IEnumerable<string> InputNames => Kind == "one_hot" ? Categories.Select(c => $"{Name}={c}") : [Name];

    /// <summary>
    /// Writes <paramref name="value"/>'s encoding into <paramref name="destination"/> (<see cref="Width"/>
    /// floats); <paramref name="source"/> and the 0-based <paramref name="row"/> name it in the error for an
    /// unknown category.
    /// </summary>
    public void Encode(string value, Span<float> destination, string source, int row)
    {
        int index = IndexOf(value, source, row);
        if (Kind == "label") destination[0] = index;
        else
        {
            destination[..Categories.Count].Clear();
            destination[index] = 1;
        }
    }

    /// <summary>
    /// The index of <paramref name="value"/> among <see cref="Categories"/>; an unknown category throws naming
    /// <paramref name="source"/> and the 1-based row.
    /// </summary>
    public int IndexOf(string value, string source, int row)
    {
        int index = Lookup.TryGetValue(value, out int i) ? i : -1;
        if (index < 0)
            throw new StrataException($"{source}: row {row + 1}: column '{Name}' has the category '{value}', which the model was not trained on. Known: {string.Join(", ", Categories.Take(20))}{(Categories.Count > 20 ? ", ..." : "")}.");
        return index;
    }

    private Dictionary<string, int> Lookup => _lookup ??= Categories.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);

    private Dictionary<string, int>? _lookup;

    /// <summary>The encoding as stored in the model file: {"name", "kind", "categories"}.</summary>
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["kind"] = Kind,
        ["categories"] = new JsonArray(Categories.Select(c => (JsonNode)c).ToArray()),
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote; throws when a part is missing or the categories are not distinct strings.</summary>
    public static CategoricalColumn FromJson(JsonNode? node)
    {
        if (node is not JsonObject o || o["name"] is not JsonValue n || !n.TryGetValue(out string? name)
            || o["kind"] is not JsonValue k || !k.TryGetValue(out string? kind) || o["categories"] is not JsonArray list)
            throw new StrataException("A categorical encoding needs \"name\", \"kind\" and \"categories\".");
        var categories = list.Select(c => c is JsonValue v && v.TryGetValue(out string? s) ? s : throw new StrataException($"Column '{name}': categories must be strings.")).ToArray();
        if (kind is not ("one_hot" or "label") || categories.Length < 2 || categories.Distinct().Count() != categories.Length)
            throw new StrataException($"Column '{name}': the stored encoding is not valid.");
        return new CategoricalColumn(name, kind, categories);
    }
}

/// <summary>
/// A table's feature columns and target as the model sees them: numeric columns as they are and
/// categorical ones encoded, in the order of the feature list. Stored in the model file, so
/// prediction encodes new rows exactly as training did.
/// </summary>
public sealed record FeatureEncoding(IReadOnlyList<string> Features, IReadOnlyList<CategoricalColumn> Categorical, CategoricalColumn? Target)
{
    /// <summary>Fits the categorical columns named in <paramref name="kinds"/> ("one_hot" or "label") on a table read with them as text.</summary>
    public static FeatureEncoding Fit(CsvTable table, IReadOnlyList<string> features, string target, IReadOnlyDictionary<string, string> kinds)
    {
        var categorical = features.Where(kinds.ContainsKey).Select(f => CategoricalColumn.Fit(f, kinds[f], table.Text(f))).ToList();
        CategoricalColumn? targetColumn = null;
        if (kinds.TryGetValue(target, out string? targetKind))
        {
            if (targetKind != "label") throw new StrataException($"The target column '{target}' can only be label encoded (class indices for sparse or binary cross-entropy).");
            targetColumn = CategoricalColumn.Fit(target, "label", table.Text(target));
        }
        foreach (var name in kinds.Keys.Where(k => !features.Contains(k) && k != target))
            throw new StrataException($"The categorical column '{name}' is neither a feature nor the target.");
        return new FeatureEncoding(features.ToArray(), categorical, targetColumn);
    }

    /// <summary>The numeric feature columns, read as numbers.</summary>
    public IEnumerable<string> NumericFeatures => Features.Where(f => Categorical.All(c => c.Name != f));

    /// <summary>The model's input names, one per input column.</summary>
    public string[] InputNames => Features.SelectMany(f => Categorical.FirstOrDefault(c => c.Name == f)?.InputNames ?? [f]).ToArray();

    /// <summary>
    /// The feature columns of <paramref name="table"/> as a [rows, inputs] tensor in <see cref="InputNames"/>
    /// order, categorical ones encoded.
    /// </summary>
    public Tensor EncodeFeatures(CsvTable table)
    {
        var names = InputNames;
        var x = new Tensor(table.Rows, names.Length);
        int offset = 0;
        foreach (var feature in Features)
        {
            var column = Categorical.FirstOrDefault(c => c.Name == feature);
            if (column is null)
            {
                var values = table.Select([feature]).Data;
                for (int r = 0; r < table.Rows; r++) x.Data[r * names.Length + offset] = values[r];
                offset++;
                continue;
            }
            var text = table.Text(feature);
            for (int r = 0; r < table.Rows; r++) column.Encode(text[r], x.Data.AsSpan(r * names.Length + offset, column.Width), table.Source, r);
            offset += column.Width;
        }
        return x;
    }

    /// <summary>
    /// The target column of <paramref name="table"/> as a [rows, 1] tensor: the numbers as read, or the class
    /// indices for a label-encoded target.
    /// </summary>
    public Tensor EncodeTarget(CsvTable table, string target)
    {
        if (Target is null) return table.Select([target]);
        var text = table.Text(target);
        var y = new Tensor(table.Rows, 1);
        for (int r = 0; r < table.Rows; r++) y.Data[r] = Target.IndexOf(text[r], table.Source, r);
        return y;
    }

    /// <summary>The encoding as stored in the model file: {"features", "categorical", "target"}.</summary>
    public JsonObject ToJson() => new()
    {
        ["features"] = new JsonArray(Features.Select(f => (JsonNode)f).ToArray()),
        ["categorical"] = new JsonArray(Categorical.Select(c => (JsonNode)c.ToJson()).ToArray()),
        ["target"] = Target?.ToJson(),
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote; throws when "features" or "categorical" is missing.</summary>
    public static FeatureEncoding FromJson(JsonNode? node)
    {
        if (node is not JsonObject o || o["features"] is not JsonArray features || o["categorical"] is not JsonArray categorical)
            throw new StrataException("The stored feature encoding needs \"features\" and \"categorical\".");
        var names = features.Select(f => f is JsonValue v && v.TryGetValue(out string? s) ? s : throw new StrataException("Feature names must be strings.")).ToArray();
        return new FeatureEncoding(names, categorical.Select(CategoricalColumn.FromJson).ToArray(), o["target"] is null ? null : CategoricalColumn.FromJson(o["target"]));
    }
}
