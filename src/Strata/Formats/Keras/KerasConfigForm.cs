using System.Text.Json.Nodes;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Recurrent;
using Strata.Models;

namespace Strata.Formats.Keras;

/// <summary>
/// A model's config as Keras itself writes it: Keras 3's (module, registered_name, DTypePolicy
/// objects, build_config) for <c>.keras</c> files, or tf.keras 2's (plain class_name/config pairs,
/// batch_input_shape, LeakyReLU's alpha) for legacy <c>.h5</c> files. Strata's own arguments
/// (BatchNormalization's moving_statistics, ...) are left out when they hold their neutral value,
/// since Keras refuses arguments it does not know; any other value has no Keras form and is an error.
/// </summary>
internal static class KerasConfigForm
{
    /// <summary>The Keras layer classes Strata has; any other layer (DropConnect, Residual, ...) exists only in Strata.</summary>
    private static readonly HashSet<string> KerasClasses =
    [
        "Dense", "Embedding", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Flatten", "Reshape",
        "Conv1D", "Conv2D", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "ZeroPadding2D",
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "GaussianNoise", "AlphaDropout",
        "BatchNormalization", "LayerNormalization", "GroupNormalization", "Normalization",
        "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed",
    ];

    /// <summary>What a Keras does with an argument: lacks it (left out at its neutral value, refused otherwise), writes it always, or only when set.</summary>
    private enum Form { Lacks, Written, WrittenWhenSet }

    private sealed record Argument(string ClassName, string Key, JsonNode? Neutral, Form Keras3, Form Keras2);

    private static readonly Argument[] Arguments =
    [
        new("BatchNormalization", "moving_statistics", "ema", Form.Lacks, Form.Lacks),
        new("BatchNormalization", "unbiased_moving_variance", false, Form.Lacks, Form.Lacks),
        // tf.keras 2 has batch renormalization and ghost batches, Keras 3 neither.
        new("BatchNormalization", "renorm", false, Form.Lacks, Form.WrittenWhenSet),
        new("BatchNormalization", "renorm_clipping", null, Form.Lacks, Form.WrittenWhenSet),
        new("BatchNormalization", "renorm_momentum", 0.99, Form.Lacks, Form.WrittenWhenSet),
        new("BatchNormalization", "virtual_batch_size", null, Form.Lacks, Form.WrittenWhenSet),
        new("BatchNormalization", "synchronized", false, Form.Written, Form.Lacks),
        new("LayerNormalization", "rms_scaling", false, Form.Written, Form.Lacks),
        new("SpatialDropout1D", "data_format", "channels_last", Form.Lacks, Form.Lacks),
        // tf.keras 2's recurrent layers refuse a seed; Keras 3 takes Keras 2's implementation but does not write it.
        new("SimpleRNN", "seed", null, Form.Written, Form.Lacks),
        new("LSTM", "seed", null, Form.Written, Form.Lacks),
        new("GRU", "seed", null, Form.Written, Form.Lacks),
        new("LSTM", "implementation", 2, Form.WrittenWhenSet, Form.Written),
        new("GRU", "implementation", 2, Form.WrittenWhenSet, Form.Written),
        // Keras 3's Dense leaves its activity regularizer to the base layer's arguments.
        new("Dense", "activity_regularizer", null, Form.WrittenWhenSet, Form.Written),
    ];

    /// <summary>The Keras 3 model config, as <c>config.json</c> of a <c>.keras</c> file holds it.</summary>
    public static JsonObject Keras3(Sequential model)
    {
        var inputShape = ShapeJson(model.InputShape!);
        var layers = new JsonArray
        {
            new JsonObject
            {
                ["module"] = "keras.layers",
                ["class_name"] = "InputLayer",
                ["config"] = new JsonObject { ["batch_shape"] = inputShape.DeepClone(), ["dtype"] = "float32", ["sparse"] = false, ["name"] = InputName(model) },
                ["registered_name"] = null,
            },
        };
        foreach (var layer in model.Layers) layers.Add(Entry(layer, keras3: true));
        return new JsonObject
        {
            ["module"] = "keras",
            ["class_name"] = "Sequential",
            ["config"] = new JsonObject
            {
                ["name"] = model.Name,
                ["trainable"] = true,
                ["dtype"] = DTypePolicy(),
                ["layers"] = layers,
                ["build_input_shape"] = inputShape.DeepClone(),
            },
            ["registered_name"] = null,
            ["build_config"] = new JsonObject { ["input_shape"] = inputShape.DeepClone() },
            ["compile_config"] = null,
        };
    }

    /// <summary>The tf.keras 2 model config, as the <c>model_config</c> attribute of a legacy <c>.h5</c> file holds it.</summary>
    public static JsonObject Keras2(Sequential model)
    {
        var layers = new JsonArray
        {
            new JsonObject
            {
                ["class_name"] = "InputLayer",
                ["config"] = new JsonObject
                {
                    ["batch_input_shape"] = ShapeJson(model.InputShape!), ["dtype"] = "float32", ["sparse"] = false, ["ragged"] = false, ["name"] = InputName(model),
                },
            },
        };
        foreach (var layer in model.Layers) layers.Add(Entry(layer, keras3: false));
        return new JsonObject
        {
            ["class_name"] = "Sequential",
            ["config"] = new JsonObject { ["name"] = model.Name, ["layers"] = layers },
        };
    }

    /// <summary>Refuses a layer Keras does not have, naming it.</summary>
    public static void RequireKerasLayer(Layer layer)
    {
        if (!KerasClasses.Contains(layer.ClassName))
            throw new StrataException($"Layer '{layer.Name}' ({layer.ClassName}) exists only in Strata and has no Keras form; Keras files can hold {string.Join(", ", KerasClasses.Order(StringComparer.Ordinal))}.");
    }

    /// <summary>A layer as a model's layer list (or a wrapper's config) holds it: Keras 3's module/class_name/config/registered_name and build_config, or tf.keras 2's class_name/config.</summary>
    private static JsonObject Entry(Layer layer, bool keras3)
    {
        if (!keras3) return new JsonObject { ["class_name"] = layer.ClassName, ["config"] = LayerConfig(layer, keras3: false) };
        var entry = new JsonObject
        {
            ["module"] = "keras.layers",
            ["class_name"] = layer.ClassName,
            ["config"] = LayerConfig(layer, keras3: true),
            ["registered_name"] = null,
        };
        // Keras 3 records the input shape of the layers it built; its weightless layers are built on creation.
        if (layer.Variables.Any()) entry["build_config"] = new JsonObject { ["input_shape"] = ShapeJson(layer.InputShape!) };
        return entry;
    }

    /// <summary>
    /// The wrapped layers of a wrapper, each in the same Keras form. Keras 3 writes Bidirectional's two layers as
    /// they run (forward_lstm under "layer", backward_lstm under "backward_layer", both with zero_output_for_mask
    /// set to return_sequences, as Bidirectional forces); tf.keras 2 writes the layer as it was given (lstm).
    /// </summary>
    private static void AddWrapped(Layer layer, JsonObject config, bool keras3)
    {
        switch (layer)
        {
            case TimeDistributed td:
                config["layer"] = Entry(td.Layer, keras3);
                break;
            case Bidirectional b when keras3:
                config["layer"] = WithZeroOutputForMask(Entry(b.ForwardLayer, keras3));
                config["backward_layer"] = WithZeroOutputForMask(Entry(b.BackwardLayer, keras3));
                break;
            case Bidirectional b:
                var forward = Entry(b.ForwardLayer, keras3);
                forward["config"]!["name"] = b.GetConfig()["layer"]!["config"]!["name"]!.DeepClone();
                config["layer"] = forward;
                break;
        }
    }

    private static JsonObject WithZeroOutputForMask(JsonObject entry)
    {
        var config = (JsonObject)entry["config"]!;
        config["zero_output_for_mask"] = config["return_sequences"]!.DeepClone();
        return entry;
    }

    private static JsonObject LayerConfig(Layer layer, bool keras3)
    {
        RequireKerasLayer(layer);
        var config = layer.GetConfig();
        string format = keras3 ? "Keras 3" : "tf.keras 2";
        foreach (var argument in Arguments.Where(a => a.ClassName == layer.ClassName && config.ContainsKey(a.Key)))
        {
            var form = keras3 ? argument.Keras3 : argument.Keras2;
            bool neutral = JsonNode.DeepEquals(config[argument.Key], argument.Neutral);
            if (form == Form.Lacks && !neutral)
                throw new StrataException($"Layer '{layer.Name}' ({layer.ClassName}) has {argument.Key}={config[argument.Key]?.ToJsonString() ?? "null"}, which {format} does not have; only {argument.Neutral?.ToJsonString() ?? "null"} can be written.");
            if (form != Form.Written && neutral) config.Remove(argument.Key);
        }
        if (keras3 && layer.ClassName == "BatchNormalization" && config["axis"] is JsonArray axes)
        {
            // Keras 3 normalizes over one axis only.
            if (axes.Count != 1)
                throw new StrataException($"Layer '{layer.Name}' (BatchNormalization) normalizes over axes {axes.ToJsonString()}; Keras 3 takes a single axis.");
            config["axis"] = axes[0]!.DeepClone();
        }
        if (!keras3 && layer.ClassName == "LeakyReLU" && config.Remove("negative_slope", out var slope))
            config["alpha"] = slope;
        if (keras3) config["dtype"] = DTypePolicy();
        var result = new JsonObject();
        foreach (var (key, value) in config) result[key] = keras3 ? WithRegisteredNames(value) : WithoutModules(value);
        AddWrapped(layer, result, keras3);
        return result;
    }

    /// <summary>Keras 3 writes "registered_name": null beside every serialized object's module.</summary>
    private static JsonNode? WithRegisteredNames(JsonNode? node)
    {
        if (node is not JsonObject obj) return node?.DeepClone();
        var copy = new JsonObject();
        foreach (var (key, value) in obj) copy[key] = WithRegisteredNames(value);
        if (copy.ContainsKey("module") && copy.ContainsKey("class_name") && !copy.ContainsKey("registered_name")) copy["registered_name"] = null;
        return copy;
    }

    /// <summary>tf.keras 2 serialized objects as plain class_name/config pairs, which every tf.keras 2 reads.</summary>
    private static JsonNode? WithoutModules(JsonNode? node)
    {
        if (node is not JsonObject obj) return node?.DeepClone();
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
            if (!(obj.ContainsKey("class_name") && key is "module" or "registered_name")) copy[key] = WithoutModules(value);
        return copy;
    }

    private static JsonObject DTypePolicy() => new()
    {
        ["module"] = "keras",
        ["class_name"] = "DTypePolicy",
        ["config"] = new JsonObject { ["name"] = "float32" },
        ["registered_name"] = null,
    };

    private static string InputName(Sequential model) =>
        model.GetConfig()["config"]!["layers"]!.AsArray()[0]!["config"]!["name"]!.GetValue<string>();

    private static JsonArray ShapeJson(IReadOnlyList<int> shape)
    {
        var array = new JsonArray();
        foreach (int d in shape) array.Add(d < 0 ? null : JsonValue.Create(d));
        return array;
    }
}
