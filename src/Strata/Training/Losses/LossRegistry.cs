using System.Text.Json.Nodes;
using Strata.Layers;

namespace Strata.Training.Losses;

/// <summary>Losses from a Keras name ("mae", "mean_absolute_error") or {"class_name": ..., "config": {...}}.</summary>
public static class LossRegistry
{
    public static Loss FromConfig(JsonNode? node)
    {
        var (name, r) = ConfigReader.Named(node, "loss", "mae");
        bool logits = r.Bool("from_logits", false);
        if (r.Double("label_smoothing", 0) != 0) throw new StrataException("The loss argument 'label_smoothing' is not supported.");
        return name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "mae" or "meanabsoluteerror" => new MeanAbsoluteError(),
            "mse" or "meansquarederror" => new MeanSquaredError(),
            "huber" or "huberloss" => new Huber(r.Double("delta", 1.0)),
            "binarycrossentropy" => new BinaryCrossentropy(logits),
            "categoricalcrossentropy" => new CategoricalCrossentropy(logits),
            "sparsecategoricalcrossentropy" => new SparseCategoricalCrossentropy(logits),
            _ => throw new StrataException($"Unknown loss '{name}'. Expected one of: mae, mse, huber, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy."),
        };
    }
}
