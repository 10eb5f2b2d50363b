using System.Text.Json.Nodes;
using Strata.Tensors;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Pooling;
using Strata.Layers.Reshaping;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using NormalizationLayer = Strata.Layers.Normalization.Normalization;

namespace Strata.Layers;

/// <summary>Builds layers from their Keras config form ({"class_name": ..., "config": {...}}).</summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<ConfigReader, Layer>> Factories = new()
    {
        ["InputLayer"] = InputLayer.FromConfig,
        ["Dense"] = Dense.FromConfig,
        ["Activation"] = Activation.FromConfig,
        ["Flatten"] = Flatten.FromConfig,
        ["Reshape"] = Reshape.FromConfig,
        ["Residual"] = Residual.FromConfig,
        ["Conv1D"] = Conv1D.FromConfig,
        ["Conv2D"] = Conv2D.FromConfig,
        ["DepthwiseConv2D"] = DepthwiseConv2D.FromConfig,
        ["MaxPooling1D"] = MaxPooling1D.FromConfig,
        ["MaxPooling2D"] = MaxPooling2D.FromConfig,
        ["AveragePooling1D"] = AveragePooling1D.FromConfig,
        ["AveragePooling2D"] = AveragePooling2D.FromConfig,
        ["GlobalAveragePooling1D"] = GlobalAveragePooling1D.FromConfig,
        ["GlobalAveragePooling2D"] = GlobalAveragePooling2D.FromConfig,
        ["GlobalMaxPooling1D"] = GlobalMaxPooling1D.FromConfig,
        ["GlobalMaxPooling2D"] = GlobalMaxPooling2D.FromConfig,
        ["ZeroPadding2D"] = ZeroPadding2D.FromConfig,
        ["Dropout"] = Dropout.FromConfig,
        ["SpatialDropout1D"] = SpatialDropout1D.FromConfig,
        ["SpatialDropout2D"] = SpatialDropout2D.FromConfig,
        ["SpatialDropout3D"] = SpatialDropout3D.FromConfig,
        ["GaussianDropout"] = GaussianDropout.FromConfig,
        ["GaussianNoise"] = GaussianNoise.FromConfig,
        ["AlphaDropout"] = AlphaDropout.FromConfig,
        ["DropBlock2D"] = DropBlock2D.FromConfig,
        ["DropConnect"] = DropConnect.FromConfig,
        ["StochasticDepth"] = StochasticDepth.FromConfig,
        ["BatchNormalization"] = BatchNormalization.FromConfig,
        ["LayerNormalization"] = LayerNormalization.FromConfig,
        ["GroupNormalization"] = GroupNormalization.FromConfig,
        ["Normalization"] = NormalizationLayer.FromConfig,
    };

    public static IEnumerable<string> ClassNames => Factories.Keys;

    /// <summary>The layer's {"class_name", "config"} pair, as Keras writes it in a model config.</summary>
    public static JsonObject ToConfig(Layer layer) => new()
    {
        ["module"] = "keras.layers",
        ["class_name"] = layer.ClassName,
        ["config"] = layer.GetConfig(),
    };

    /// <summary>
    /// The keys with which Keras lets any layer declare the model's input (an implicit input layer
    /// when the layer comes first): input_shape and input_dim without the batch axis, batch_input_shape
    /// (Keras 2) and batch_shape (Keras 3) with it.
    /// </summary>
    public static readonly IReadOnlyList<string> InputShapeKeys = ["input_shape", "input_dim", "batch_input_shape", "batch_shape"];

    public static Layer FromConfig(JsonNode? node, int index)
    {
        if (node is not JsonObject obj || obj["class_name"] is not JsonValue cn || !cn.TryGetValue(out string? className))
            throw new StrataException($"Layer {index} of the model config must be an object with a \"class_name\".");
        if (!Factories.TryGetValue(className, out var factory))
            throw new StrataException($"Unknown layer class '{className}' (layer {index}){NameSuggestion.DidYouMean(className, Factories.Keys)}. Known layers: {string.Join(", ", Factories.Keys)}.");
        var outer = ConfigReader.Section(obj, $"of layer {index} ({className}) of the model config");
        outer.Raw("class_name");
        if (outer.Raw("config") is not (null or JsonObject))
            throw new StrataException($"The \"config\" of layer {index} ({className}) must be an object.");
        // Functional configs name their layers and wiring beside the config; a Sequential has no use for them.
        outer.RejectUnknown(unlisted: [.. ConfigReader.KerasBookkeeping, "inbound_nodes", "shared_object_id"]);
        var config = obj["config"] as JsonObject ?? [];
        var reader = new ConfigReader(config, className, index);
        var layer = factory(reader);
        if (reader.Raw("trainable") is JsonValue t && t.TryGetValue(out bool trainable)) layer.Trainable = trainable;
        // What the layer itself writes is known to it even where its reading takes a default.
        reader.RejectUnknown(layer.GetConfig().Select(kv => kv.Key), [.. ConfigReader.KerasBookkeeping, .. InputShapeKeys]);
        return layer;
    }

    /// <summary>
    /// The batch shape (batch axis -1) a layer config declares with input_shape, input_dim,
    /// batch_input_shape or batch_shape, as Keras turns it into an input layer; null when it declares none.
    /// </summary>
    public static int[]? DeclaredInputShape(JsonNode? node, int index)
    {
        if (node is not JsonObject { } obj || obj["class_name"] is not JsonValue cn || !cn.TryGetValue(out string? className)
            || className == "InputLayer" || obj["config"] is not JsonObject config) return null;
        var reader = new ConfigReader(config, className, index);
        int[]? shape = reader.Shape("batch_shape") ?? reader.Shape("batch_input_shape");
        if (shape is null && reader.Shape("input_shape") is int[] features) shape = [-1, .. features];
        if (shape is null && reader.OptionalInt("input_dim") is int dim) shape = [-1, dim];
        if (shape is null) return null;
        if (shape.Length < 2 || shape[1..].Any(d => d <= 0))
            throw new StrataException($"The input shape {ShapeOps.Format(shape)} that {className} layer {reader.Name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture)} declares must give every non-batch dimension.");
        shape[0] = -1;
        return shape;
    }
}
