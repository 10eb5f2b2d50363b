using System.Text.Json.Nodes;

namespace Strata.Formats.Keras;

/// <summary>
/// Turns the model config of any Keras version into the Sequential config Strata reads: Keras 1's
/// vocabulary (Convolution2D with nb_filter/nb_row/nb_col, Dense output_dim, border_mode, subsample,
/// dim_ordering), Keras 1 and 2.1's bare layer list, and Functional models whose graph is a chain.
/// Everything Keras 2 and 3 write is read by the layers themselves; only the older spellings live here.
/// </summary>
internal static class KerasDialect
{
    private static readonly Dictionary<string, string> ClassRenames = new(StringComparer.Ordinal)
    {
        ["Convolution1D"] = "Conv1D",
        ["Convolution2D"] = "Conv2D",
    };

    // Keras 1 keys and their Keras 2 names, for every layer that has the key.
    private static readonly Dictionary<string, string> KeyRenames = new(StringComparer.Ordinal)
    {
        ["output_dim"] = "units",
        ["nb_filter"] = "filters",
        ["init"] = "kernel_initializer",
        ["W_regularizer"] = "kernel_regularizer",
        ["b_regularizer"] = "bias_regularizer",
        ["W_constraint"] = "kernel_constraint",
        ["b_constraint"] = "bias_constraint",
        ["bias"] = "use_bias",
        ["border_mode"] = "padding",
        ["subsample"] = "strides",
        ["subsample_length"] = "strides",
        ["filter_length"] = "kernel_size",
        ["pool_length"] = "pool_size",
        ["stride"] = "strides",
        ["beta_init"] = "beta_initializer",
        ["gamma_init"] = "gamma_initializer",
        ["input_dtype"] = "dtype",
    };

    /// <summary>
    /// The Sequential config ({"class_name": "Sequential", "config": {"name", "layers"}}) that
    /// <paramref name="modelConfig"/> describes; <paramref name="where"/> starts every error.
    /// </summary>
    public static JsonObject ToSequential(JsonNode? modelConfig, string where)
    {
        if (modelConfig is not JsonObject model || model["class_name"] is not JsonValue cn || !cn.TryGetValue(out string? className))
            throw new StrataException($"{where}: the model config is not a Keras model (no class_name).");
        JsonNode? config = model["config"];
        string name;
        JsonArray layers;
        switch (className)
        {
            case "Sequential" when config is JsonArray bare:
                // Keras 1 and 2.1 wrote the layer list itself as the config.
                (name, layers) = ("sequential", bare);
                break;
            case "Sequential" when config is JsonObject { } c && c["layers"] is JsonArray list:
                (name, layers) = (Text(c["name"]) ?? "sequential", list);
                break;
            case "Functional" or "Model" when config is JsonObject c:
                (name, layers) = (Text(c["name"]) ?? "model", KerasGraph.Chain(c, where));
                break;
            default:
                throw new StrataException($"{where}: a '{className}' model cannot be read; Strata reads Sequential models and Functional models that are a chain of layers.");
        }
        var translated = new JsonArray();
        foreach (var layer in layers) translated.Add(Layer(layer, where));
        return new JsonObject
        {
            ["class_name"] = "Sequential",
            ["config"] = new JsonObject { ["name"] = name, ["layers"] = translated },
        };
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>One layer's {"class_name", "config"} with Keras 1 spellings replaced by today's.</summary>
    private static JsonObject Layer(JsonNode? node, string where)
    {
        if (node is not JsonObject obj || Text(obj["class_name"]) is not { } className || obj["config"] is not JsonObject config)
            throw new StrataException($"{where}: a layer of the model config is not a {{\"class_name\", \"config\"}} object.");
        className = ClassRenames.GetValueOrDefault(className, className);
        var result = new JsonObject();
        foreach (var (key, value) in config)
        {
            switch (key)
            {
                case "nb_row" or "nb_col":
                    result["kernel_size"] = new JsonArray(config["nb_row"]?.DeepClone(), config["nb_col"]?.DeepClone());
                    break;
                case "dim_ordering":
                    // "tf" is channels-last; "th" is channels-first, which the layer then refuses by name.
                    string ordering = Text(value) ?? "tf";
                    if (ordering != "tf" && ordering != "default") result["data_format"] = "channels_first";
                    break;
                case "mode" when className == "BatchNormalization":
                    if (value is not JsonValue m || !m.TryGetValue(out int mode) || mode != 0)
                        throw new StrataException($"{where}: BatchNormalization layer '{Text(config["name"])}' uses Keras 1 mode {value?.ToJsonString()}; only mode 0 (feature-wise) is supported.");
                    break;
                case "p" when className.Contains("Dropout", StringComparison.Ordinal):
                    result["rate"] = value?.DeepClone();
                    break;
                case "weights" when value is null:
                    break;
                case "input_length" when value is null && className == "Embedding":
                    // tf.keras 2 writes Embedding's optional sequence length, null unless given; the input shape says it anyway.
                    break;
                case "noise_shape" when value is null && className.StartsWith("SpatialDropout", StringComparison.Ordinal):
                    // tf.keras wrote Dropout's noise_shape into SpatialDropout configs, always null there.
                    break;
                case "ragged" when className == "InputLayer":
                    // tf.keras's ragged inputs have no counterpart; false is the neutral value.
                    if (value is not JsonValue r || !r.TryGetValue(out bool ragged) || ragged)
                        throw new StrataException($"{where}: InputLayer '{Text(config["name"])}' takes ragged tensors, which Strata does not have.");
                    break;
                case "init" when className == "PReLU":
                    result["alpha_initializer"] = value?.DeepClone();
                    break;
                // Embedding kept output_dim from Keras 1 on; its W is the embeddings matrix, not a kernel.
                case "output_dim" when className == "Embedding":
                    result[key] = value?.DeepClone();
                    break;
                case "init" or "W_regularizer" or "W_constraint" when className == "Embedding":
                    result["embeddings_" + (key == "init" ? "initializer" : key[2..])] = value?.DeepClone();
                    break;
                default:
                    result[KeyRenames.GetValueOrDefault(key, key)] = value?.DeepClone();
                    break;
            }
        }
        return new JsonObject { ["class_name"] = className, ["config"] = result };
    }
}
