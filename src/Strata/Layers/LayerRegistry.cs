using System.Text.Json.Nodes;
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

    public static Layer FromConfig(JsonNode? node, int index)
    {
        if (node is not JsonObject obj || obj["class_name"] is not JsonValue cn || !cn.TryGetValue(out string? className))
            throw new StrataException($"Layer {index} of the model config must be an object with a \"class_name\".");
        if (!Factories.TryGetValue(className, out var factory))
            throw new StrataException($"Unknown layer class '{className}' (layer {index}). Known layers: {string.Join(", ", Factories.Keys)}.");
        var config = obj["config"] as JsonObject ?? [];
        var layer = factory(new ConfigReader(config, className));
        if (config["trainable"] is JsonValue t && t.TryGetValue(out bool trainable)) layer.Trainable = trainable;
        return layer;
    }
}
