using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Tensors;
using Strata.Training.Losses;
using Strata.Training.Metrics;
using Strata.Training.Optimizers;

namespace Strata.Models;

/// <summary>
/// A linear stack of layers, as Keras's Sequential: add layers, compile with an optimizer, a loss
/// and metrics, then fit, evaluate and predict. Graphs are built per batch size and mode and
/// replayed, so steady-state training allocates no tensors.
/// </summary>
public sealed partial class Sequential
{
    private readonly List<Layer> _layers = [];
    private readonly Dictionary<(int Batch, CallMode Mode, bool Targets, int Trainability), CompiledStep> _steps = [];
    private readonly Trainability _trainability = new();
    private InputLayer? _input;
    private int[]? _inputShape;
    private RandomGenerator _random;

    /// <param name="layers">The layers in order; an <see cref="InputLayer"/> first fixes the input shape.</param>
    /// <param name="name">The model name (Keras: "sequential").</param>
    /// <param name="seed">Seeds weight initialization and the dropout masks, so the same seed trains the same model.</param>
    public Sequential(IEnumerable<Layer>? layers = null, string name = "sequential", int seed = 0)
    {
        Name = name;
        Seed = seed;
        _random = new RandomGenerator((ulong)seed);
        if (layers is not null)
            foreach (var layer in layers) Add(layer);
    }

    /// <summary>The model name (Keras's name), shown by <see cref="Summary"/> and stored in the model file.</summary>
    public string Name { get; }

    /// <summary>The seed the model was created with; weight initialization and dropout masks derive from it.</summary>
    public int Seed { get; }

    /// <summary>The layers after the input layer.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>The input shape with the batch axis as -1, once known.</summary>
    public IReadOnlyList<int>? InputShape { get; private set; }

    /// <summary>The output shape with the batch axis as -1, once the layers are built; the input shape when there are no layers.</summary>
    public IReadOnlyList<int>? OutputShape => _layers.Count == 0 ? InputShape : _layers[^1].OutputShape;

    /// <summary>Sets the input shape, kept as an array for the model's own use and handed out read-only.</summary>
    private void SetInputShape(int[] shape)
    {
        _inputShape = shape;
        InputShape = Array.AsReadOnly(shape);
    }

    /// <summary>
    /// Whether every layer has its weights (Keras's built); a layer added before the input shape is
    /// known clears it until <see cref="Build"/> or the first fit.
    /// </summary>
    public bool IsBuilt { get; private set; }

    /// <summary>The optimizer given to <see cref="Compile"/>, or null before it.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss given to <see cref="Compile"/>, or null before it.</summary>
    public Loss? Loss { get; private set; }

    /// <summary>The compiled metric names, e.g. "accuracy" or "mae"; empty before <see cref="Compile"/>.</summary>
    public IReadOnlyList<string> MetricNames { get; private set; } = [];

    /// <summary>Feature column names, when the model was trained from a table (kept in the model file).</summary>
    public IReadOnlyList<string>? FeatureNames { get; set; }

    /// <summary>Every variable of every layer, in layer order and creation order within a layer (the order of <see cref="GetWeights"/>).</summary>
    public IEnumerable<Variable> Variables => _layers.SelectMany(l => l.Variables);

    /// <summary>The variables the optimizer updates (kernels, biases, BatchNormalization's gamma and beta).</summary>
    public IEnumerable<Variable> TrainableVariables => _layers.SelectMany(l => l.TrainableVariables);

    /// <summary>The variables the optimizer leaves alone, such as BatchNormalization's moving mean and variance.</summary>
    public IEnumerable<Variable> NonTrainableVariables => _layers.SelectMany(l => l.NonTrainableVariables);

    /// <summary>
    /// Appends <paramref name="layer"/>, naming it Keras-style ("dense_1") when unnamed, and builds it when the
    /// input shape is known; an <see cref="InputLayer"/> is accepted only first.
    /// </summary>
    public void Add(Layer layer)
    {
        if (layer is InputLayer input)
        {
            if (_input is not null || _layers.Count > 0)
                throw new StrataException("An InputLayer can only be the first layer of a Sequential model.");
            _input = input;
            if (string.IsNullOrEmpty(input.Name)) input.Name = "input_layer";
            SetInputShape([.. input.BatchShape]);
            return;
        }
        if (string.IsNullOrEmpty(layer.Name)) layer.Name = Layer.UniqueName(layer.ClassName, _layers);
        else if (_layers.Any(l => l.Name == layer.Name))
            throw new StrataException($"All layers added to a Sequential model should have unique names. Name '{layer.Name}' is already used.");
        _layers.Add(layer);
        IsBuilt = false;
        if (_inputShape is not null && _layers.Take(_layers.Count - 1).All(l => l.IsBuilt)) Build(_inputShape);
    }

    /// <summary>Creates every layer's weights for an input of <paramref name="inputShape"/> (batch axis -1).</summary>
    public void Build(int[] inputShape)
    {
        var shape = (int[])inputShape.Clone();
        shape[0] = -1;
        SetInputShape(shape);
        foreach (var layer in _layers)
        {
            try
            {
                layer.Build(shape, _random);
            }
            catch (StrataException e) when (!e.Message.Contains(layer.Name, StringComparison.Ordinal))
            {
                throw new StrataException($"Layer '{layer.Name}' ({layer.ClassName}): {e.Message}", e);
            }
            layer.Reseed(_random);
            shape = [.. layer.OutputShape!];
        }
        IsBuilt = true;
        _steps.Clear();
        _trainability.Reset();
    }

    /// <summary>Configures training, as Keras's compile. Metrics are names such as "mae" or "accuracy".</summary>
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<string>? metrics = null)
    {
        Optimizer = optimizer;
        Loss = loss;
        MetricNames = metrics?.ToArray() ?? [];
        _steps.Clear();
    }

    /// <summary>Copies of all variables' values, in <see cref="Variables"/> order (Keras's get_weights).</summary>
    public float[][] GetWeights() => Variables.Select(v => (float[])v.Value.Data.Clone()).ToArray();

    /// <summary>
    /// Overwrites every variable with <paramref name="weights"/>, in <see cref="Variables"/> order (Keras's
    /// set_weights); counts and sizes must match.
    /// </summary>
    public void SetWeights(IReadOnlyList<float[]> weights)
    {
        var variables = Variables.ToList();
        if (weights.Count != variables.Count)
            throw new StrataException($"The model has {variables.Count} weights; received {weights.Count}.");
        for (int i = 0; i < variables.Count; i++)
        {
            if (weights[i].Length != variables[i].Value.Size)
                throw new StrataException($"Weight '{variables[i].Path}' has {variables[i].Value.Size} values; received {weights[i].Length}.");
            weights[i].CopyTo(variables[i].Value.Data, 0);
        }
    }

    /// <summary>The model's Keras config, as model.to_json() writes it.</summary>
    public JsonObject GetConfig()
    {
        var layers = new JsonArray();
        if (_inputShape is not null)
        {
            var input = _input ?? new InputLayer(_inputShape, "input_layer");
            layers.Add(LayerRegistry.ToConfig(input));
        }
        foreach (var layer in _layers) layers.Add(LayerRegistry.ToConfig(layer));
        return new JsonObject
        {
            ["module"] = "keras",
            ["class_name"] = "Sequential",
            ["config"] = new JsonObject
            {
                ["name"] = Name,
                ["trainable"] = true,
                ["dtype"] = "float32",
                ["layers"] = layers,
            },
        };
    }

    /// <summary>A model from its Keras config (the to_json() form, or just its "config" part).</summary>
    public static Sequential FromConfig(JsonNode? node, int seed = 0)
    {
        var (name, layers) = ReadConfig(node);
        var model = new Sequential(layers, name, seed);
        if (model._inputShape is not null && !model.IsBuilt) model.Build(model._inputShape);
        return model;
    }

    /// <summary>
    /// The model's name and layers from its config, every key checked, without building anything: an
    /// input shape declared on the first layer becomes an <see cref="InputLayer"/> in front of it, as in Keras.
    /// </summary>
    internal static (string Name, List<Layer> Layers) ReadConfig(JsonNode? node)
    {
        if (node is not JsonObject obj) throw new StrataException("The model config must be a JSON object.");
        if (obj["class_name"] is JsonValue cn && cn.ToString() != "Sequential")
            throw new StrataException($"Only Sequential models are supported; the config describes a '{cn}'.");
        JsonObject config;
        if (obj["class_name"] is null) config = obj;
        else
        {
            var outer = ConfigReader.Section(obj, "of the model");
            outer.Raw("class_name");
            config = outer.Raw("config") as JsonObject ?? throw new StrataException("The model config has no \"config\" object.");
            outer.RejectUnknown(unlisted: [.. ConfigReader.KerasBookkeeping, "compile_config"]);
        }
        var reader = ConfigReader.Section(config, "of the model's config");
        var nodes = reader.Raw("layers") as JsonArray ?? throw new StrataException("The model config has no \"layers\" list.");
        string name = reader.String("name", null) ?? "sequential";
        reader.RejectUnknown(unlisted: [.. ConfigReader.KerasBookkeeping, "build_input_shape"]);
        var layers = new List<Layer>();
        for (int i = 0; i < nodes.Count; i++)
        {
            // Keras turns an input shape on the first layer into an input layer; on later layers it is ignored.
            if (i == 0 && LayerRegistry.DeclaredInputShape(nodes[i], i) is int[] declared) layers.Add(new InputLayer(declared));
            layers.Add(LayerRegistry.FromConfig(nodes[i], i));
        }
        return (name, layers);
    }

    /// <summary>What the model file's metadata.json held when the model was loaded.</summary>
    public System.Text.Json.Nodes.JsonObject? Metadata { get; internal set; }

    /// <summary>The format and Keras version of the file the model was loaded from; null for a model built in code.</summary>
    public ModelOrigin? Origin { get; internal set; }

    /// <summary>The Keras summary table; see <see cref="ModelSummary"/>.</summary>
    public string Summary() => ModelSummary.Format(this);

    /// <summary>New instances of the compiled metrics, for one fit or evaluation.</summary>
    internal Metric[] CreateMetrics() =>
        MetricNames.Select(n => MetricRegistry.FromName(n, Loss!, OutputShape![^1])).ToArray();
}
