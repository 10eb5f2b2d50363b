using System.Globalization;
using System.Text.Json.Nodes;
using Strata.Layers;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Metrics;
using Strata.Training.Optimizers;

namespace Strata.Runs;

/// <summary>
/// A training experiment in one JSON file: the data (CSV path relative to the spec, target column,
/// validation fraction and split seed), the model in Keras config form, compile and fit settings.
/// </summary>
public sealed class TrainingSpec
{
    /// <summary>The experiment's name: the spec's <c>name</c>, or the spec file's name without its extension; it titles the learning curves.</summary>
    public required string Name { get; init; }

    /// <summary>The spec file this spec was read from; relative data paths are resolved beside it.</summary>
    public required string SpecPath { get; init; }

    /// <summary>The CSV file, or the folder of IDX files for an image data set, resolved against the spec's folder.</summary>
    public required string DataPath { get; init; }

    /// <summary>The target column of a CSV; null for an image data set, whose labels are the target.</summary>
    public string? Target { get; init; }

    /// <summary>A known image data set ("fashion-mnist") read from the IDX files in <see cref="DataPath"/>, or null for a CSV.</summary>
    public string? Dataset { get; init; }

    /// <summary>Keep only the first this many training rows or images (quick runs); null for all.</summary>
    public int? Limit { get; set; }

    /// <summary>The CSV field separator; null to detect it from the header line (comma, semicolon or tab).</summary>
    public char? Delimiter { get; init; }

    /// <summary>The feature columns of a CSV; null for every numeric column but the target.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Text columns and how each becomes numbers: "one_hot" or "label" (the target: "label" only).</summary>
    public IReadOnlyDictionary<string, string> Categorical { get; init; } = new Dictionary<string, string>();

    /// <summary>False for a CSV without a header row; its columns are then named 0, 1, 2, ... (as pandas names them).</summary>
    public bool Header { get; init; } = true;

    /// <summary>Skip CSV rows with empty, non-numeric or non-finite values (counted) instead of failing.</summary>
    public bool DropInvalidRows { get; set; }

    /// <summary>
    /// A model file (.strata, .h5 or .keras) whose weights the model starts from instead of its
    /// initializers, to fine-tune it; null to start from the initializers. Set by train --initial-weights.
    /// </summary>
    public string? InitialWeights { get; set; }

    /// <summary>A text column whose rows stay together on one side of the validation split (e.g. the artist).</summary>
    public string? GroupBy { get; init; }

    /// <summary>The fraction of rows held out for validation (Keras's <c>validation_split</c>), 0 for none.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>The seed of the shuffle that chooses the validation rows (<c>split_seed</c>, default 0), apart from the training seed so the split stays put.</summary>
    public int SplitSeed { get; init; }

    /// <summary>The model in Keras's Sequential config form, as <c>model.to_json()</c> writes it.</summary>
    public required JsonObject Model { get; init; }

    /// <summary>The optimizer: a Keras name such as "adam" or a config object with its arguments.</summary>
    public required JsonNode Optimizer { get; init; }

    /// <summary>The loss: a Keras name such as "mae" or a config object with its arguments.</summary>
    public required JsonNode Loss { get; init; }

    /// <summary>The metrics logged beside the loss, by Keras name ("mae", "mse", "accuracy").</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>Rows per gradient step (Keras's <c>batch_size</c>, default 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Passes over the training rows (Keras's <c>epochs</c>); the command line may replace it.</summary>
    public int Epochs { get; set; } = 1;

    /// <summary>Whether the training rows are reshuffled before every epoch (Keras's <c>shuffle</c>).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// Whether sums over a batch's rows are taken in fixed point (<c>reproducible_sums</c> in <c>fit</c>; see
    /// <see cref="Sequential.ReproducibleSums"/>): what makes a run on several ranks the run of one process, bit for bit.
    /// </summary>
    public bool ReproducibleSums { get; init; }

    /// <summary>The seed of the weights, the dropout masks and the shuffles; the same seed trains the same weights.</summary>
    public int Seed { get; set; }

    /// <summary>Callbacks in Keras's config form: EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, TerminateOnNaN.</summary>
    public JsonArray Callbacks { get; init; } = [];

    /// <summary>The spec file as read, stored in the model's metadata.</summary>
    public required JsonObject Source { get; init; }

    /// <summary>Reads and checks a spec file; an unknown key or a bad value is an error naming the file and the key.</summary>
    public static TrainingSpec Load(string path)
    {
        InputFile.Require(path, "Spec file");
        return FromJson(JsonFile.ReadObject(path, "spec"), path);
    }

    /// <summary>The keys a spec's top level holds.</summary>
    private static readonly string[] TopLevelKeys = ["name", "description", "data", "model", "compile", "fit"];

    /// <summary>
    /// A spec from its JSON; <paramref name="path"/> names it in errors and anchors its relative data path.
    /// Every part is checked here, before anything trains: an unknown key anywhere (top level, data,
    /// model and each layer, compile, optimizer, loss, fit, each callback) is an error naming it and
    /// the closest known key, as Keras refuses unknown arguments.
    /// </summary>
    public static TrainingSpec FromJson(JsonObject root, string path) => StrataException.Naming(path, () => Parse(root, path));

    private static TrainingSpec Parse(JsonObject root, string path)
    {
        var top = ConfigReader.Section(root, "at the top level");
        var data = top.Raw("data") as JsonObject ?? throw new StrataException($"{path}: the spec needs a \"data\" object.");
        var compile = top.Raw("compile") as JsonObject ?? throw new StrataException($"{path}: the spec needs a \"compile\" object.");
        var modelNode = top.Raw("model");
        var fit = top.Raw("fit") switch
        {
            null => [],
            JsonObject o => o,
            var other => throw new StrataException($"{path}: \"fit\" must be an object. Received: {other.ToJsonString()}"),
        };
        string name = top.String("name", null) ?? Path.GetFileNameWithoutExtension(path);
        top.String("description", null);
        top.RejectUnknown();

        var dataReader = ConfigReader.Section(data, "in \"data\"");
        var fitReader = ConfigReader.Section(fit, "in \"fit\"");
        var compileReader = ConfigReader.Section(compile, "in \"compile\"");
        string? dataset = dataReader.String("dataset", null);
        if (dataset is not null and not "fashion-mnist")
            throw new StrataException($"{path}: unknown data set '{dataset}'{NameSuggestion.DidYouMean(dataset, ["fashion-mnist"])}. Known: fashion-mnist (or give a CSV \"path\" and \"target\").");
        string dataFile = dataReader.String("path", null)
            ?? (dataset is not null ? Strata.Data.Datasets.FashionMnistDirectory : throw new StrataException($"{path}: \"data\" needs a \"path\"."));
        string? delimiter = dataReader.String("delimiter", null);
        if (delimiter is { Length: not 1 }) throw new StrataException($"{path}: the data delimiter must be one character. Received: '{delimiter}'");
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string[]? features = dataReader.Raw("features") switch
        {
            null => null,
            JsonArray list => list.Select(f => f is JsonValue v && v.TryGetValue(out string? column) ? column
                : throw new StrataException($"{path}: \"features\" must be a list of column names.")).ToArray(),
            _ => throw new StrataException($"{path}: \"features\" must be a list of column names."),
        };
        string? groupBy = dataReader.String("group_by", null);
        var categorical = new Dictionary<string, string>();
        if (dataReader.Raw("categorical") is JsonObject kinds)
            foreach (var (column, kind) in kinds)
                categorical[column] = kind is JsonValue v && v.TryGetValue(out string? k) ? k
                    : throw new StrataException($"{path}: \"categorical\" maps column names to \"one_hot\" or \"label\"; '{column}' maps to {kind?.ToJsonString() ?? "null"}.");
        else if (dataReader.Raw("categorical") is not null) throw new StrataException($"{path}: \"categorical\" must be an object mapping column names to \"one_hot\" or \"label\".");
        string? target = dataset is not null ? null
            : dataReader.String("target", null) ?? throw new StrataException($"{path}: \"data\" needs a \"target\" column.");
        bool header = dataReader.Bool("header", true);
        bool dropInvalid = dataReader.Bool("drop_invalid_rows", false);
        double validationSplit = dataReader.Double("validation_split", 0);
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new StrataException($"{path}: \"validation_split\" must be at least 0 and below 1. Received: {validationSplit.ToString(CultureInfo.InvariantCulture)}");
        int splitSeed = dataReader.Int("split_seed", 0);
        dataReader.RejectUnknown();

        var optimizer = compileReader.Raw("optimizer") ?? "adam";
        var loss = compileReader.Raw("loss") ?? throw new StrataException($"{path}: \"compile\" needs a \"loss\".");
        string[] metrics = compileReader.Raw("metrics") switch
        {
            null => [],
            JsonArray m => m.Select(x => x is JsonValue v && v.TryGetValue(out string? metric) ? metric
                : throw new StrataException($"{path}: \"metrics\" must be a list of metric names such as \"mae\". Received: {x?.ToJsonString() ?? "null"}")).ToArray(),
            var other => throw new StrataException($"{path}: \"metrics\" must be a list of metric names. Received: {other.ToJsonString()}"),
        };
        compileReader.RejectUnknown();
        OptimizerRegistry.FromConfig(optimizer, "the optimizer in \"compile\"");
        LossRegistry.FromConfig(loss, "the loss in \"compile\"");
        foreach (var metric in metrics) MetricRegistry.Check(metric);

        int batchSize = fitReader.Int("batch_size", 32);
        int epochs = fitReader.Int("epochs", 1);
        if (batchSize < 1) throw new StrataException($"{path}: \"batch_size\" in \"fit\" must be a positive integer. Received: {batchSize}");
        if (epochs < 1) throw new StrataException($"{path}: \"epochs\" in \"fit\" must be a positive integer. Received: {epochs}");
        bool shuffle = fitReader.Bool("shuffle", true);
        bool reproducibleSums = fitReader.Bool("reproducible_sums", false);
        int seed = fitReader.Int("seed", 0);
        var callbacks = fitReader.Raw("callbacks") switch
        {
            null => [],
            JsonArray list => list,
            var other => throw new StrataException($"{path}: \"callbacks\" in \"fit\" must be a list. Received: {other.ToJsonString()}"),
        };
        fitReader.RejectUnknown();

        var model = modelNode as JsonObject ?? throw new StrataException($"{path}: the spec needs a \"model\" object (a Keras Sequential config).");
        // Every key of the model is checked now; building it waits for the data's shape (and the linter reads models that do not build).
        Sequential.ReadConfig(model);

        var spec = new TrainingSpec
        {
            Name = name,
            SpecPath = path,
            DataPath = Path.GetFullPath(Path.Combine(directory, dataFile)),
            Target = target,
            Dataset = dataset,
            Delimiter = delimiter is { Length: 1 } ? delimiter[0] : null,
            Features = features,
            GroupBy = groupBy,
            Categorical = categorical,
            Header = header,
            DropInvalidRows = dropInvalid,
            ValidationSplit = validationSplit,
            SplitSeed = splitSeed,
            Model = model,
            Optimizer = optimizer,
            Loss = loss,
            Metrics = metrics,
            BatchSize = batchSize,
            Epochs = epochs,
            Shuffle = shuffle,
            ReproducibleSums = reproducibleSums,
            Seed = seed,
            Callbacks = callbacks,
            Source = root,
        };
        spec.CreateCallbacks(directory);
        return spec;
    }

    /// <summary>
    /// The spec's model, built for rows of <paramref name="featureShape"/> (batch axis first). An
    /// input shape the config declares (an InputLayer, or input_shape on the first layer) must agree with the data.
    /// </summary>
    public Sequential CreateModel(int[] featureShape)
    {
        var model = Sequential.FromConfig(Model, Seed);
        int[] dataShape = [-1, .. featureShape[1..]];
        if (model.InputShape?.ToArray() is { } declared && !declared.AsSpan(1).SequenceEqual(dataShape.AsSpan(1)))
            throw new StrataException($"{SpecPath}: the model declares the input shape {ShapeOps.Format(declared)}, but the data '{Path.GetFileName(DataPath)}' gives inputs of shape {ShapeOps.Format(dataShape)}"
                + (dataShape.Length == 2 ? $" ({dataShape[1]} feature column{(dataShape[1] == 1 ? "" : "s")})." : "."));
        if (!model.IsBuilt) model.Build(dataShape);
        return model;
    }

    /// <summary>The spec's model, built for its data's inputs (read here unless <paramref name="data"/> is given), untrained.</summary>
    public Sequential BuildModel(SpecData? data = null) => CreateModel((data ?? SpecData.Load(this)).TrainX.ShapeArray());

    /// <summary>The fit callbacks named in the spec, in the Keras config form.</summary>
    public List<Callback> CreateCallbacks(string outputDirectory)
    {
        var list = new List<Callback>();
        for (int i = 0; i < Callbacks.Count; i++)
            list.Add(StrataException.Naming(SpecPath, () => CreateCallback(Callbacks[i], i, outputDirectory)));
        return list;
    }

    private static Callback CreateCallback(JsonNode? node, int index, string outputDirectory)
    {
        if (node is not JsonObject obj || obj["class_name"] is not JsonValue cn || !cn.TryGetValue(out string? name))
            throw new StrataException($"callback {index} in \"fit\" needs a \"class_name\".");
        var outer = ConfigReader.Section(obj, $"of callback {index} ({name}) in \"fit\"");
        outer.Raw("class_name");
        var config = outer.Raw("config") switch
        {
            null => [],
            JsonObject o => o,
            var other => throw new StrataException($"The \"config\" of callback {index} ({name}) in \"fit\" must be an object. Received: {other.ToJsonString()}"),
        };
        outer.RejectUnknown(unlisted: ["module", "registered_name"]);
        var c = ConfigReader.Section(config, $"of callback {index} ({name}) in \"fit\"");
        // Keras's verbose only prints; Strata's progress says the same things.
        string[] keras = ["verbose"];
        Callback callback = name switch
        {
            "EarlyStopping" => new EarlyStopping(c.String("monitor", "val_loss")!, c.Double("min_delta", 0), c.Int("patience", 0),
                c.String("mode", "auto")!, c.Bool("restore_best_weights", false), c.Int("start_from_epoch", 0)),
            "ReduceLROnPlateau" => new ReduceLROnPlateau(c.String("monitor", "val_loss")!, c.Double("factor", 0.1), c.Int("patience", 10),
                c.String("mode", "auto")!, c.Double("min_delta", 1e-4), c.Int("cooldown", 0), c.Double("min_lr", 0)),
            "ModelCheckpoint" => new ModelCheckpoint(Path.Combine(outputDirectory, c.String("filepath", "best.strata")!),
                c.String("monitor", "val_loss")!, c.Bool("save_best_only", false), c.String("mode", "auto")!),
            "TerminateOnNaN" => new TerminateOnNaN(),
            _ => throw new StrataException($"unknown callback '{name}'{NameSuggestion.DidYouMean(name, CallbackNames)}. Expected one of: {string.Join(", ", CallbackNames)}."),
        };
        if (name == "EarlyStopping") c.Unsupported("baseline", zeroIsNeutral: false);
        if (name == "ModelCheckpoint")
        {
            c.Unsupported("save_weights_only");
            c.Unsupported("initial_value_threshold", zeroIsNeutral: false);
            if (c.String("save_freq", "epoch") != "epoch") c.Unsupported("save_freq");
        }
        c.RejectUnknown(unlisted: keras);
        return callback;
    }

    private static readonly string[] CallbackNames = ["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint", "TerminateOnNaN"];
}
