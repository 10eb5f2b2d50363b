using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers;

/// <summary>
/// A layer: the constructor validates and stores arguments, <see cref="Build"/> creates the weights
/// once the input shape is known, <see cref="Call"/> computes with <see cref="Ops"/> on graph nodes
/// (the training flag is an explicit argument), and <see cref="GetConfig"/> writes the Keras config.
/// Shapes include the batch axis, written -1 (None) when unknown.
/// </summary>
public abstract class Layer
{
    private readonly List<Variable> _variables = [];
    private readonly Dictionary<Variable, Regularizer> _regularizers = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Variable, Constraint> _constraints = new(ReferenceEqualityComparer.Instance);
    private bool _trainable = true;
    private int[]? _inputShape;

    /// <summary>Keeps <paramref name="name"/>; null lets the model give the layer a Keras-style name.</summary>
    protected Layer(string? name) => Name = name ?? "";

    /// <summary>The layer's name; a model gives unnamed layers Keras-style names (dense, dense_1, ...).</summary>
    public string Name { get; internal set; }

    /// <summary>The Keras class name, as written in configs: the C# class name unless a layer says otherwise.</summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>
    /// When false the layer's weights are frozen (and BatchNormalization runs in inference mode).
    /// Setting it on a layer that holds others sets it on them too, as in Keras.
    /// </summary>
    public bool Trainable
    {
        get => _trainable;
        set
        {
            _trainable = value;
            foreach (var child in Children) child.Trainable = value;
        }
    }

    /// <summary>The layers this layer holds (a residual block's branch); empty for plain layers.</summary>
    public virtual IReadOnlyList<Layer> Children => [];

    /// <summary>Whether <see cref="Build"/> has run, so the weights and shapes exist.</summary>
    public bool IsBuilt { get; private set; }

    /// <summary>The input shape the layer was built for, batch axis included (-1 when unknown); null until built.</summary>
    public IReadOnlyList<int>? InputShape { get; private set; }

    /// <summary>The output shape for <see cref="InputShape"/>; null until built.</summary>
    public IReadOnlyList<int>? OutputShape { get; private set; }

    /// <summary>All variables in creation order, the held layers' after the layer's own (Keras's <c>weights</c>).</summary>
    public IEnumerable<Variable> Variables => _variables.Concat(Children.SelectMany(c => c.Variables));

    /// <summary>The variables the optimizer updates (Keras's trainable_weights): trainable ones of a trainable layer, the held layers' after the layer's own.</summary>
    public IEnumerable<Variable> TrainableVariables =>
        _variables.Where(v => Trainable && v.Trainable).Concat(Children.SelectMany(c => c.TrainableVariables));

    /// <summary>The other variables (moving statistics, frozen weights), in the same order (Keras's non_trainable_weights).</summary>
    public IEnumerable<Variable> NonTrainableVariables =>
        _variables.Where(v => !(Trainable && v.Trainable)).Concat(Children.SelectMany(c => c.NonTrainableVariables));

    /// <summary>The random streams of this layer and the layers it holds (for Monte-Carlo passes and reproducibility).</summary>
    public virtual IEnumerable<RandomStream> RandomStreams => Children.SelectMany(c => c.RandomStreams);

    /// <summary>Creates the weights for <paramref name="inputShape"/>; does nothing when already built for it.</summary>
    public void Build(int[] inputShape, RandomGenerator random)
    {
        if (IsBuilt)
        {
            if (!SameFeatureShape(_inputShape!, inputShape))
                throw new StrataException($"Layer '{Name}' was built for input shape {ShapeOps.Format(_inputShape)} but received {ShapeOps.Format(inputShape)}.");
            return;
        }
        // Copies: ComputeOutputShape may hand back the caller's array, which the caller may change.
        OutputShape = ReadOnlyInts.View((int[])ComputeOutputShape(inputShape).Clone());
        BuildWeights(inputShape, random);
        foreach (var v in _variables) v.Path = $"{Name}/{v.Name}";
        foreach (var v in Children.SelectMany(c => c.Variables)) v.Path = $"{Name}/{v.Path}";
        _inputShape = (int[])inputShape.Clone();
        InputShape = ReadOnlyInts.View(_inputShape);
        IsBuilt = true;
    }

    /// <summary>The output shape for an input shape, validating the input.</summary>
    public abstract int[] ComputeOutputShape(int[] inputShape);

    /// <summary>Creates the layer's variables for <paramref name="inputShape"/>, which <see cref="ComputeOutputShape"/> has validated; layers without weights do nothing.</summary>
    protected virtual void BuildWeights(int[] inputShape, RandomGenerator random) { }

    /// <summary>Records this layer's computation on <paramref name="input"/> in the input's graph.</summary>
    public abstract Node Call(Node input, CallMode mode);

    /// <summary>The Keras config of this layer (the "config" object of its class_name/config pair).</summary>
    public virtual JsonObject GetConfig() => new()
    {
        ["name"] = Name,
        ["trainable"] = Trainable,
        ["dtype"] = "float32",
    };

    /// <summary>Reseeds the layer's random streams, if any, from <paramref name="random"/>.</summary>
    public virtual void Reseed(RandomGenerator random)
    {
        foreach (var child in Children) child.Reseed(random);
    }

    /// <summary>
    /// Projects the weights onto their constraints (max-norm, non-negativity, ...); the model calls
    /// it after every optimizer step, as Keras applies constraints after each update.
    /// </summary>
    public void ApplyConstraints()
    {
        foreach (var (variable, constraint) in _constraints)
            if (Trainable && variable.Trainable) constraint.Apply(variable.Value);
        foreach (var child in Children) child.ApplyConstraints();
    }

    /// <summary>
    /// While set, how many more weight values layers may create. A model read from a file is built
    /// under the number of values the file holds, so a config that declares huge layers fails
    /// before anything is allocated.
    /// </summary>
    internal static readonly AsyncLocal<StrongBox<long>?> WeightBudget = new();

    /// <summary>Creates a variable of <paramref name="shape"/> filled by <paramref name="initializer"/>, with its regularizer and constraint (Keras's add_weight); it counts against the weight budget while a file is read.</summary>
    protected Variable AddVariable(string name, int[] shape, Initializer initializer, bool trainable, RandomGenerator random,
        Regularizer? regularizer = null, Constraint? constraint = null)
    {
        if (WeightBudget.Value is { } budget)
        {
            long size = ShapeOps.Size(shape);
            if (size > budget.Value)
                throw new StrataException($"Layer '{Name}' declares a weight '{name}' of shape {ShapeOps.Format(shape)}, more values than the weights file holds.");
            budget.Value -= size;
        }
        var value = new Tensor(shape);
        initializer.Fill(value, random);
        var variable = new Variable(name, value, trainable);
        _variables.Add(variable);
        if (regularizer is not null) _regularizers.Add(variable, regularizer);
        if (constraint is not null) _constraints.Add(variable, constraint);
        return variable;
    }

    /// <summary>
    /// The graph node for one of this layer's variables. The first use in a graph that collects
    /// losses also adds the variable's regularization penalty, as Keras adds it to the loss.
    /// </summary>
    protected Node Parameter(Node input, Variable variable)
    {
        var graph = input.Graph;
        bool first = !graph.Uses(variable);
        bool trainable = Trainable && variable.Trainable;
        var node = graph.Parameter(variable, trainable && !graph.ForwardOnly);
        if (first && trainable && graph.CollectsLosses && _regularizers.TryGetValue(variable, out var regularizer))
            graph.AddLoss(regularizer.Penalty(node));
        return node;
    }

    /// <summary>A Keras-style default name (dense, dense_1, ...) not used by <paramref name="siblings"/>.</summary>
    internal static string UniqueName(string className, IEnumerable<Layer> siblings) => UniqueName(className, siblings.Select(l => l.Name));

    /// <summary>A Keras-style default name (dense, dense_1, ...) not among <paramref name="usedNames"/>.</summary>
    public static string UniqueName(string className, IEnumerable<string> usedNames)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < className.Length; i++)
        {
            char c = className[i];
            bool boundary = char.IsUpper(c) && i > 0 && (char.IsLower(className[i - 1]) || (i + 1 < className.Length && char.IsLower(className[i + 1])));
            if (boundary) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        string baseName = sb.ToString();
        var used = usedNames.ToHashSet();
        if (!used.Contains(baseName)) return baseName;
        for (int i = 1; ; i++)
            if (!used.Contains($"{baseName}_{i}")) return $"{baseName}_{i}";
    }

    /// <summary>Adds <paramref name="regularizer"/>'s penalty on a layer output to the loss, divided by the batch size as Keras does.</summary>
    protected static void AddActivityPenalty(Regularizer? regularizer, Node output)
    {
        if (regularizer is null || !output.Graph.CollectsLosses) return;
        output.Graph.AddLoss(Ops.Scale(regularizer.Penalty(output), 1f / output.Shape[0]));
    }

    private static bool SameFeatureShape(int[] a, int[] b) =>
        a.Length == b.Length && a.AsSpan(1).SequenceEqual(b.AsSpan(1));

    /// <summary>Adds a weight with its initializer, regularizer and constraint.</summary>
    protected Variable AddWeight(string name, int[] shape, WeightSettings settings, RandomGenerator random) =>
        AddVariable(name, shape, settings.Initializer, true, random, settings.Regularizer, settings.Constraint);

    /// <summary>Adds a normalizing layer's gamma and beta, each only when its part is on.</summary>
    protected (Variable? Gamma, Variable? Beta) AddScaleAndCenter(ScaleAndCenter settings, int[] shape, RandomGenerator random) =>
        (settings.Scale ? AddWeight("gamma", shape, settings.Gamma, random) : null,
         settings.Center ? AddWeight("beta", shape, settings.Beta, random) : null);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({ClassName})";
}

/// <summary>
/// A layer described by one config record: the record is the constructor's input, checked once by
/// <see cref="LayerConfig.Validate"/>, written by <see cref="GetConfig"/> and read back by
/// <see cref="LayerRegistry"/> without code of the layer's own.
/// </summary>
/// <typeparam name="TConfig">The layer's config record.</typeparam>
public abstract class Layer<TConfig> : Layer where TConfig : LayerConfig
{
    /// <summary>Checks and keeps <paramref name="config"/>.</summary>
    protected Layer(TConfig config) : base(config.Name)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
    }

    /// <summary>The layer's arguments, as given (its name is <see cref="Layer.Name"/>, which the model may assign).</summary>
    public TConfig Config { get; }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        KerasConfig.Write(Config, config);
        return config;
    }
}
