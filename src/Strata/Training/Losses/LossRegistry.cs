using System.Text.Json.Nodes;
using Strata.Layers;

namespace Strata.Training.Losses;

/// <summary>Losses from a Keras name ("mae", "mean_absolute_error") or {"class_name": ..., "config": {...}}.</summary>
public static class LossRegistry
{
    private static readonly string[] Names = ["mae", "mse", "huber", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"];

    /// <param name="node">A name such as "mae", or a Keras {"class_name", "config"} object.</param>
    /// <param name="where">What the config is, for errors ("the loss in \"compile\" of spec.json").</param>
    public static Loss FromConfig(JsonNode? node, string where = "loss")
    {
        var (name, r) = ConfigReader.Named(node, where, "mae");
        bool logits = r.Bool("from_logits", false);
        if (r.Double("label_smoothing", 0) != 0) throw new StrataException($"{r.Where("label_smoothing")} is not supported.");
        // Keras's default reduction is the batch mean, the only one Strata computes.
        if (r.String("reduction", "sum_over_batch_size") is not ("sum_over_batch_size" or "auto"))
            throw new StrataException($"{r.Where("reduction")}: only the batch mean (\"sum_over_batch_size\") is supported.");
        if (r.Int("axis", -1) != -1) throw new StrataException($"{r.Where("axis")}: only the last axis (-1) is supported.");
        r.Unsupported("ignore_class");
        var loss = Create(name, r, logits);
        r.RejectUnknown(unlisted: ConfigReader.KerasBookkeeping);
        return loss;
    }

    private static Loss Create(string name, ConfigReader r, bool logits) =>
        name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "mae" or "meanabsoluteerror" => new MeanAbsoluteError(),
            "mse" or "meansquarederror" => new MeanSquaredError(),
            "huber" or "huberloss" => new Huber(r.Double("delta", 1.0)),
            "binarycrossentropy" => new BinaryCrossentropy(logits),
            "categoricalcrossentropy" => new CategoricalCrossentropy(logits),
            "sparsecategoricalcrossentropy" => new SparseCategoricalCrossentropy(logits),
            _ => throw new StrataException($"Unknown loss '{name}'{NameSuggestion.DidYouMean(name, Names)}. Expected one of: {string.Join(", ", Names)}."),
        };
}
