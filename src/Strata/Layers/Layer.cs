using System.Text.Json.Nodes;
using Strata.Autodiff;
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

    protected Layer(string? name) => Name = name ?? "";

    /// <summary>The layer's name; a model gives unnamed layers Keras-style names (dense, dense_1, ...).</summary>
    public string Name { get; internal set; }

    /// <summary>The Keras class name, as written in configs.</summary>
    public abstract string ClassName { get; }

    /// <summary>When false the layer's weights are frozen (and BatchNormalization runs in inference mode).</summary>
    public bool Trainable { get; set; } = true;

    public bool IsBuilt { get; private set; }

    public int[]? InputShape { get; private set; }

    public int[]? OutputShape { get; private set; }

    /// <summary>All variables in creation order (Keras's <c>weights</c>).</summary>
    public IReadOnlyList<Variable> Variables => _variables;

    public IEnumerable<Variable> TrainableVariables => _variables.Where(v => Trainable && v.Trainable);

    public IEnumerable<Variable> NonTrainableVariables => _variables.Where(v => !(Trainable && v.Trainable));

    /// <summary>Creates the weights for <paramref name="inputShape"/>; does nothing when already built for it.</summary>
    public void Build(int[] inputShape, RandomGenerator random)
    {
        if (IsBuilt)
        {
            if (!SameFeatureShape(InputShape!, inputShape))
                throw new StrataException($"Layer '{Name}' was built for input shape {ShapeOps.Format(InputShape)} but received {ShapeOps.Format(inputShape)}.");
            return;
        }
        OutputShape = ComputeOutputShape(inputShape);
        BuildWeights(inputShape, random);
        foreach (var v in _variables) v.Path = $"{Name}/{v.Name}";
        InputShape = (int[])inputShape.Clone();
        IsBuilt = true;
    }

    /// <summary>The output shape for an input shape, validating the input.</summary>
    public abstract int[] ComputeOutputShape(int[] inputShape);

    protected virtual void BuildWeights(int[] inputShape, RandomGenerator random) { }

    /// <summary>Records this layer's computation on <paramref name="input"/> in the input's graph.</summary>
    public abstract Node Call(Node input, bool training);

    /// <summary>The Keras config of this layer (the "config" object of its class_name/config pair).</summary>
    public virtual JsonObject GetConfig() => new()
    {
        ["name"] = Name,
        ["trainable"] = Trainable,
        ["dtype"] = "float32",
    };

    /// <summary>Reseeds the layer's random streams, if any, from <paramref name="random"/>.</summary>
    public virtual void Reseed(RandomGenerator random) { }

    protected Variable AddVariable(string name, int[] shape, Initializer initializer, bool trainable, RandomGenerator random)
    {
        var value = new Tensor(shape);
        initializer.Fill(value, random);
        var variable = new Variable(name, value, trainable);
        _variables.Add(variable);
        return variable;
    }

    /// <summary>The graph node for one of this layer's variables.</summary>
    protected Node Parameter(Node input, Variable variable) =>
        input.Graph.Parameter(variable, Trainable && variable.Trainable);

    private static bool SameFeatureShape(int[] a, int[] b) =>
        a.Length == b.Length && a.AsSpan(1).SequenceEqual(b.AsSpan(1));

    public override string ToString() => $"{Name} ({ClassName})";
}
