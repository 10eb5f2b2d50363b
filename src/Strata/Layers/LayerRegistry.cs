using System.Reflection;
using System.Text.Json.Nodes;
using Strata.Tensors;

namespace Strata.Layers;

/// <summary>
/// Builds layers from their Keras config form ({"class_name": ..., "config": {...}}). Every public
/// layer of Strata is known; <see cref="Register{TLayer}"/> adds a user's own, so a model holding it
/// loads from a file as well as it saves.
/// </summary>
public static class LayerRegistry
{
    private static readonly Lock Gate = new();
    // The Keras keys of each config record, so a layer's own argument named like an input-shape key (Embedding's input_dim) is not read as one.
    private static readonly Dictionary<string, HashSet<string>> ConfigKeys = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, Func<ConfigReader, Layer>> Factories = Discover();

    /// <summary>The class names a config may use.</summary>
    public static IReadOnlyList<string> ClassNames
    {
        get { lock (Gate) return [.. Factories.Keys]; }
    }

    /// <summary>
    /// Makes <typeparamref name="TLayer"/> loadable under <paramref name="className"/> (default: the
    /// class's name). The layer needs a public constructor taking its <see cref="LayerConfig"/> record,
    /// or a public static <c>FromConfig(ConfigReader)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The type has neither, or the name is taken by another type.</exception>
    public static void Register<TLayer>(string? className = null) where TLayer : Layer =>
        Register(typeof(TLayer), className ?? typeof(TLayer).Name);

    /// <summary>Makes a layer loadable under <paramref name="className"/> through <paramref name="factory"/>.</summary>
    public static void Register(string className, Func<ConfigReader, Layer> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate) Factories[className] = factory;
    }

    private static void Register(Type type, string className)
    {
        var factory = FactoryOf(type)
            ?? throw new ArgumentException($"Layer type {type.FullName} needs a public constructor taking its LayerConfig record, or a public static FromConfig(ConfigReader).", nameof(type));
        lock (Gate)
        {
            Factories[className] = factory;
            if (ConfigTypeOf(type) is { } configType) ConfigKeys[className] = [.. KerasConfig.Keys(configType)];
        }
    }

    private static Dictionary<string, Func<ConfigReader, Layer>> Discover()
    {
        var factories = new Dictionary<string, Func<ConfigReader, Layer>>(StringComparer.Ordinal);
        foreach (var type in typeof(Layer).Assembly.GetExportedTypes())
            if (type.IsSubclassOf(typeof(Layer)) && !type.IsAbstract && FactoryOf(type) is { } factory)
            {
                factories.Add(type.Name, factory);
                if (ConfigTypeOf(type) is { } configType) ConfigKeys[type.Name] = [.. KerasConfig.Keys(configType)];
            }
        // tf.keras 2's SyncBatchNormalization is Keras 3's BatchNormalization(synchronized=True), and is written back as that.
        factories.Add("SyncBatchNormalization", reader => Invoke(() =>
            new Normalization.BatchNormalization((Normalization.BatchNormalizationConfig)KerasConfig.Read(typeof(Normalization.BatchNormalizationConfig), reader) with { Synchronized = true })));
        ConfigKeys["SyncBatchNormalization"] = ConfigKeys[nameof(Normalization.BatchNormalization)];
        return factories;
    }

    private static Func<ConfigReader, Layer>? FactoryOf(Type type)
    {
        if (type.GetMethod("FromConfig", BindingFlags.Public | BindingFlags.Static, [typeof(ConfigReader)]) is { } read
            && typeof(Layer).IsAssignableFrom(read.ReturnType))
            return reader => Invoke(() => (Layer)read.Invoke(null, [reader])!);
        var constructor = ConfigConstructor(type);
        if (constructor is null) return null;
        var configType = constructor.GetParameters()[0].ParameterType;
        return reader => Invoke(() => (Layer)constructor.Invoke([KerasConfig.Read(configType, reader)]));
    }

    private static ConstructorInfo? ConfigConstructor(Type type) =>
        type.GetConstructors().FirstOrDefault(c => c.GetParameters() is [{ ParameterType: var p }] && p.IsSubclassOf(typeof(LayerConfig)));

    private static Type? ConfigTypeOf(Type type) => ConfigConstructor(type)?.GetParameters()[0].ParameterType;

    private static Layer Invoke(Func<Layer> create)
    {
        try
        {
            return create();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

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

    /// <summary>The layer a {"class_name", "config"} pair describes; <paramref name="index"/> places it in error messages.</summary>
    public static Layer FromConfig(JsonNode? node, int index)
    {
        if (node is not JsonObject obj || obj["class_name"] is not JsonValue cn || !cn.TryGetValue(out string? className))
            throw new StrataException($"Layer {index} of the model config must be an object with a \"class_name\".");
        Func<ConfigReader, Layer>? factory;
        List<string> known;
        lock (Gate)
        {
            Factories.TryGetValue(className, out factory);
            known = [.. Factories.Keys.Order(StringComparer.Ordinal)];
        }
        if (factory is null)
            throw new StrataException($"Unknown layer class '{className}' (layer {index}){NameSuggestion.DidYouMean(className, known)}. Known layers: {string.Join(", ", known)}. A layer of your own loads once LayerRegistry.Register<TLayer>() has made it known.");
        var outer = ConfigReader.Section(obj, $"of layer {index} ({className}) of the model config");
        outer.Raw("class_name");
        if (outer.Raw("config") is not (null or JsonObject))
            throw new StrataException($"The \"config\" of layer {index} ({className}) must be an object.");
        // Functional configs name their layers and wiring beside the config; a Sequential has no use for them.
        outer.RejectUnknown(unlisted: [.. ConfigReader.KerasBookkeeping, "inbound_nodes", "shared_object_id"]);
        var config = obj["config"] as JsonObject ?? [];
        var reader = new ConfigReader(config, className, index);
        Layer layer;
        try
        {
            layer = factory(reader);
        }
        catch (ArgumentException e) when (e.ParamName is { } argument)
        {
            // A bad value in a file is bad data: the message names the key and the layer, as every reading error does.
            throw new StrataException($"Invalid {reader.Where(argument)}: {e.Message.Replace($" (Parameter '{argument}')", "", StringComparison.Ordinal)}", e);
        }
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
        bool ownsInputDim;
        lock (Gate) ownsInputDim = ConfigKeys.TryGetValue(className, out var keys) && keys.Contains("input_dim");
        if (shape is null && !ownsInputDim && reader.OptionalInt("input_dim") is int dim) shape = [-1, dim];
        if (shape is null) return null;
        if (shape.Length < 2 || shape[1..].Any(d => d <= 0))
            throw new StrataException($"The input shape {ShapeOps.Format(shape)} that {className} layer {reader.Name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture)} declares must give every non-batch dimension.");
        shape[0] = -1;
        return shape;
    }
}
