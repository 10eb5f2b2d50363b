using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Layers;
using Strata.Training.Callbacks;

namespace Strata.IO;

/// <summary>
/// A training experiment in one JSON file: the data (CSV path relative to the spec, target column,
/// validation fraction and split seed), the model in Keras config form, compile and fit settings.
/// </summary>
public sealed class TrainingSpec
{
    public required string Name { get; init; }

    public required string SpecPath { get; init; }

    public required string DataPath { get; init; }

    /// <summary>The target column of a CSV; null for an image data set, whose labels are the target.</summary>
    public string? Target { get; init; }

    /// <summary>A known image data set ("fashion-mnist") read from the IDX files in <see cref="DataPath"/>, or null for a CSV.</summary>
    public string? Dataset { get; init; }

    /// <summary>Keep only the first this many training rows or images (quick runs); null for all.</summary>
    public int? Limit { get; set; }

    public char? Delimiter { get; init; }

    /// <summary>The feature columns of a CSV; null for every numeric column but the target.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Text columns and how each becomes numbers: "one_hot" or "label" (the target: "label" only).</summary>
    public IReadOnlyDictionary<string, string> Categorical { get; init; } = new Dictionary<string, string>();

    /// <summary>False for a CSV without a header row; its columns are then named 0, 1, 2, ... (as pandas names them).</summary>
    public bool Header { get; init; } = true;

    /// <summary>Skip CSV rows with empty, non-numeric or non-finite values (counted) instead of failing.</summary>
    public bool DropInvalidRows { get; set; }

    /// <summary>A text column whose rows stay together on one side of the validation split (e.g. the artist).</summary>
    public string? GroupBy { get; init; }

    public double ValidationSplit { get; init; }

    public int SplitSeed { get; init; }

    public required JsonObject Model { get; init; }

    public required JsonNode Optimizer { get; init; }

    public required JsonNode Loss { get; init; }

    public IReadOnlyList<string> Metrics { get; init; } = [];

    public int BatchSize { get; init; } = 32;

    public int Epochs { get; set; } = 1;

    public bool Shuffle { get; init; } = true;

    public int Seed { get; set; }

    public JsonArray Callbacks { get; init; } = [];

    /// <summary>The spec file as read, stored in the model's metadata.</summary>
    public required JsonObject Source { get; init; }

    public static TrainingSpec Load(string path)
    {
        if (!File.Exists(path)) throw new StrataException($"Spec file '{path}' does not exist.");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new StrataException($"{path}: the spec must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new StrataException($"{path}: invalid JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
        return FromJson(root, path);
    }

    /// <summary>A spec from its JSON; <paramref name="path"/> names it in errors and anchors its relative data path.</summary>
    public static TrainingSpec FromJson(JsonObject root, string path)
    {
        var data = root["data"] as JsonObject ?? throw new StrataException($"{path}: the spec needs a \"data\" object.");
        var compile = root["compile"] as JsonObject ?? throw new StrataException($"{path}: the spec needs a \"compile\" object.");
        var fit = root["fit"] as JsonObject ?? [];
        var dataReader = new ConfigReader(data, "data");
        var fitReader = new ConfigReader(fit, "fit");
        string? dataset = dataReader.String("dataset", null);
        if (dataset is not null and not "fashion-mnist")
            throw new StrataException($"{path}: unknown data set '{dataset}'. Known: fashion-mnist (or give a CSV \"path\" and \"target\").");
        string dataFile = dataReader.String("path", null)
            ?? (dataset is not null ? Strata.Data.Datasets.FashionMnistDirectory : throw new StrataException($"{path}: \"data\" needs a \"path\"."));
        string? delimiter = dataReader.String("delimiter", null);
        if (delimiter is { Length: > 1 }) throw new StrataException($"{path}: the data delimiter must be one character. Received: '{delimiter}'");
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string[]? features = data["features"] switch
        {
            null => null,
            JsonArray list => list.Select(f => f is JsonValue v && v.TryGetValue(out string? name) ? name
                : throw new StrataException($"{path}: \"features\" must be a list of column names.")).ToArray(),
            _ => throw new StrataException($"{path}: \"features\" must be a list of column names."),
        };
        string? groupBy = dataReader.String("group_by", null);
        var categorical = new Dictionary<string, string>();
        if (data["categorical"] is JsonObject kinds)
            foreach (var (column, kind) in kinds)
                categorical[column] = kind is JsonValue v && v.TryGetValue(out string? k) ? k
                    : throw new StrataException($"{path}: \"categorical\" maps column names to \"one_hot\" or \"label\"; '{column}' maps to {kind?.ToJsonString() ?? "null"}.");
        else if (data["categorical"] is not null) throw new StrataException($"{path}: \"categorical\" must be an object mapping column names to \"one_hot\" or \"label\".");
        var metrics = compile["metrics"] is JsonArray m ? m.Select(x => x?.GetValue<string>() ?? "").ToArray() : [];
        return new TrainingSpec
        {
            Name = root["name"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(path),
            SpecPath = path,
            DataPath = Path.GetFullPath(Path.Combine(directory, dataFile)),
            Target = dataset is not null ? null : dataReader.String("target", null) ?? throw new StrataException($"{path}: \"data\" needs a \"target\" column."),
            Dataset = dataset,
            Delimiter = delimiter is { Length: 1 } ? delimiter[0] : null,
            Features = features,
            GroupBy = groupBy,
            Categorical = categorical,
            Header = dataReader.Bool("header", true),
            DropInvalidRows = dataReader.Bool("drop_invalid_rows", false),
            ValidationSplit = dataReader.Double("validation_split", 0),
            SplitSeed = dataReader.Int("split_seed", 0),
            Model = root["model"] as JsonObject ?? throw new StrataException($"{path}: the spec needs a \"model\" object (a Keras Sequential config)."),
            Optimizer = compile["optimizer"] ?? "adam",
            Loss = compile["loss"] ?? throw new StrataException($"{path}: \"compile\" needs a \"loss\"."),
            Metrics = metrics,
            BatchSize = fitReader.Int("batch_size", 32),
            Epochs = fitReader.Int("epochs", 1),
            Shuffle = fitReader.Bool("shuffle", true),
            Seed = fitReader.Int("seed", 0),
            Callbacks = fit["callbacks"] as JsonArray ?? [],
            Source = root,
        };
    }

    /// <summary>The fit callbacks named in the spec, in the Keras config form.</summary>
    public List<Callback> CreateCallbacks(string outputDirectory)
    {
        var list = new List<Callback>();
        foreach (var node in Callbacks)
        {
            if (node is not JsonObject obj || obj["class_name"]?.GetValue<string>() is not string name)
                throw new StrataException($"{SpecPath}: each callback needs a \"class_name\".");
            var c = new ConfigReader(obj["config"] as JsonObject ?? [], name);
            list.Add(name switch
            {
                "EarlyStopping" => new EarlyStopping(c.String("monitor", "val_loss")!, c.Double("min_delta", 0), c.Int("patience", 0),
                    c.String("mode", "auto")!, c.Bool("restore_best_weights", false), c.Int("start_from_epoch", 0)),
                "ReduceLROnPlateau" => new ReduceLROnPlateau(c.String("monitor", "val_loss")!, c.Double("factor", 0.1), c.Int("patience", 10),
                    c.String("mode", "auto")!, c.Double("min_delta", 1e-4), c.Int("cooldown", 0), c.Double("min_lr", 0)),
                "ModelCheckpoint" => new ModelCheckpoint(Path.Combine(outputDirectory, c.String("filepath", "best.strata")!),
                    c.String("monitor", "val_loss")!, c.Bool("save_best_only", false), c.String("mode", "auto")!),
                "TerminateOnNaN" => new TerminateOnNaN(),
                _ => throw new StrataException($"{SpecPath}: unknown callback '{name}'. Expected one of: EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, TerminateOnNaN."),
            });
        }
        return list;
    }
}
