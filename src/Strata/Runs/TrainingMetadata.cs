using System.Text.Json.Nodes;
using Strata.Data;
using Strata.Formats;
using Strata.Models;

namespace Strata.Runs;

/// <summary>The rows a run trained on and the rows it held out for validation.</summary>
public sealed record TrainValidationRows(Tensors.Tensor TrainX, Tensors.Tensor TrainY, Tensors.Tensor ValidationX, Tensors.Tensor ValidationY);

/// <summary>
/// What a model file records about the run that trained it: the spec (as read, with the options the
/// run was given in place of the file's), how table columns became inputs, and an image set's test
/// scores. <see cref="TrainingRun"/> writes it into the model's metadata; prediction, evaluation,
/// recalibration and the advisor read it back to read new rows and reproduce the validation split.
/// </summary>
public sealed record TrainingMetadata
{
    /// <summary>The spec of the run: its data settings (<see cref="TrainingSpec.Target"/>,
    /// <see cref="TrainingSpec.ValidationSplit"/>, <see cref="TrainingSpec.SplitSeed"/>, ...) and the
    /// epochs, seed, row limit and invalid-row handling the run used.</summary>
    public required TrainingSpec Spec { get; init; }

    /// <summary>How the CSV's categorical columns (and a label-encoded target) became numbers; null when all were numeric.</summary>
    public FeatureEncoding? Encoding { get; init; }

    /// <summary>The loss and metrics on an image set's test part, measured after training; null for a table.</summary>
    public IReadOnlyDictionary<string, double>? Test { get; init; }

    /// <summary>The metadata keys this record owns; <see cref="ModelFile"/> adds its own beside them.</summary>
    private const string SpecKey = "spec", SpecPathKey = "spec_path", EncodingKey = "encoding", TestKey = "test", RunKey = "run";

    /// <summary>The record as the model file's metadata holds it.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            [SpecKey] = Spec.Source.DeepClone(),
            [SpecPathKey] = Path.GetFullPath(Spec.SpecPath),
            // The options that override the file, so a reader sees the run that was made, not the spec's defaults.
            [RunKey] = new JsonObject
            {
                ["epochs"] = Spec.Epochs,
                ["seed"] = Spec.Seed,
                ["limit"] = Spec.Limit,
                ["drop_invalid_rows"] = Spec.DropInvalidRows,
            },
        };
        if (Encoding is { } encoding && (encoding.Categorical.Count > 0 || encoding.Target is not null)) json[EncodingKey] = encoding.ToJson();
        if (Test is not null) json[TestKey] = new JsonObject(Test.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        return json;
    }

    /// <summary>What <paramref name="model"/>'s file records of its training; null for a model saved outside a training run.</summary>
    public static TrainingMetadata? Of(Sequential model) => FromJson(model.Metadata);

    /// <summary>
    /// The record in a model file's <paramref name="metadata"/>; null when it holds no spec. A spec
    /// that no longer reads (a hand-edited file) is an error that says so.
    /// </summary>
    public static TrainingMetadata? FromJson(JsonObject? metadata)
    {
        if (metadata?[SpecKey] is not JsonObject source) return null;
        string specPath = metadata[SpecPathKey] is JsonValue p && p.TryGetValue(out string? recorded) ? recorded : "spec.json";
        try
        {
            var spec = TrainingSpec.FromJson((JsonObject)source.DeepClone(), specPath);
            if (metadata[RunKey] is JsonObject run)
            {
                if (Int(run["epochs"]) is int epochs) spec.Epochs = epochs;
                if (Int(run["seed"]) is int seed) spec.Seed = seed;
                spec.Limit = Int(run["limit"]);
                if (run["drop_invalid_rows"] is JsonValue d && d.TryGetValue(out bool drop)) spec.DropInvalidRows = drop;
            }
            var encoding = metadata[EncodingKey] is { } stored ? FeatureEncoding.FromJson(stored) : null;
            Dictionary<string, double>? test = metadata[TestKey] is JsonObject scores
                ? scores.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>())
                : null;
            return new TrainingMetadata { Spec = spec, Encoding = encoding, Test = test };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new StrataException($"the training spec recorded in the model's metadata is damaged: {e.Message}", e);
        }
    }

    /// <summary>
    /// The run's training and validation rows among <paramref name="rows"/>, read from
    /// <paramref name="dataPath"/> with <see cref="ModelRows.ReadCsv"/>; null when the spec held no
    /// rows out. The spec's own file is read as training read it, which reproduces any split (grouped,
    /// limited, invalid rows dropped); another file is split again with the recorded fraction and
    /// seed after the recorded row limit, which reproduces the split of a copy of that file. A grouped
    /// split is only reproduced from the spec's own file; another file is then an error.
    /// </summary>
    /// <param name="rows">The labelled rows of <paramref name="dataPath"/>.</param>
    /// <param name="dataPath">The CSV the rows were read from.</param>
    /// <param name="modelName">The model file, for the error message.</param>
    public TrainValidationRows? Split(ModelRows rows, string dataPath, string modelName = "the model")
    {
        if (Spec.ValidationSplit <= 0) return null;
        var y = rows.Y ?? throw new StrataException($"{dataPath}: there is no column '{Spec.Target}' (the model's target), which the split needs.");
        bool specFile = Spec.Dataset is null && Path.GetFullPath(Spec.DataPath) == Path.GetFullPath(dataPath);
        if (specFile && SpecData.Load(Spec) is { Validation: { } held } data)
            return new TrainValidationRows(data.TrainX, data.TrainY, held.X, held.Y);
        if (Spec.GroupBy is not null)
            throw new StrataException($"{modelName}: the model's validation split groups rows by '{Spec.GroupBy}', which only its spec's data file reproduces; give that file, or use every row.");
        var x = rows.X;
        if (Spec.Limit is int limit && limit < x.Dim(0)) (x, y) = (x.SliceRows(0, limit), y.SliceRows(0, limit));
        var (tx, ty, vx, vy) = DataSplit.TrainValidation(x, y, Spec.ValidationSplit, Spec.SplitSeed);
        return new TrainValidationRows(tx, ty, vx, vy);
    }

    private static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue(out int i) ? i : null;
}
