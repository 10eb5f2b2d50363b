using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>
/// A residual block for Sequential models: y = x + branch(x), where the branch is a list of layers
/// whose output has the input's shape. End the branch with
/// <see cref="Strata.Layers.Regularization.StochasticDepth"/> to drop it per sample in training
/// (Huang et al. 2016). The branch's variables are named residual/dense/kernel and so on.
/// </summary>
public sealed class Residual : Layer
{
    private readonly List<Layer> _branch = [];

    /// <summary>A residual block y = x + branch(x), the branch being the layers of <paramref name="branch"/> in order; unnamed layers get Keras-style names.</summary>
    public Residual(IEnumerable<Layer> branch, string? name = null) : base(name)
    {
        foreach (var layer in branch)
        {
            if (layer is InputLayer) throw new StrataException("A Residual branch cannot hold an InputLayer.");
            if (string.IsNullOrEmpty(layer.Name)) layer.Name = UniqueName(layer.ClassName, _branch);
            else if (_branch.Any(l => l.Name == layer.Name))
                throw new StrataException($"Layer names in a Residual branch must be unique. Name '{layer.Name}' is already used.");
            _branch.Add(layer);
        }
        if (_branch.Count == 0) throw new StrataException("A Residual block needs at least one layer in its branch.");
    }

    /// <inheritdoc/>
    public override string ClassName => "Residual";

    /// <inheritdoc/>
    public override IReadOnlyList<Layer> Children => _branch;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var shape = inputShape;
        foreach (var layer in _branch) shape = layer.ComputeOutputShape(shape);
        if (!shape.AsSpan(1).SequenceEqual(inputShape.AsSpan(1)))
            throw new StrataException($"Residual layer '{Name}': the branch maps {ShapeOps.Format(inputShape)} to {ShapeOps.Format(shape)}; it must keep the input's shape to be added to it.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        var shape = inputShape;
        foreach (var layer in _branch)
        {
            layer.Build(shape, random);
            shape = [.. layer.OutputShape!];
        }
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var h = input;
        foreach (var layer in _branch) h = layer.Call(h, mode);
        return Ops.Add(input, h);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layers"] = new JsonArray(_branch.Select(l => (JsonNode)LayerRegistry.ToConfig(l)).ToArray());
        return config;
    }

    /// <summary>Reads a Residual block from its config: the branch's layer configs under "layers".</summary>
    public static Residual FromConfig(ConfigReader c)
    {
        if (c.Raw("layers") is not JsonArray layers)
            throw new StrataException($"Residual layer '{c.Name}' needs a 'layers' list.");
        return new Residual(layers.Select((l, i) => LayerRegistry.FromConfig(l, i)).ToList(), c.Name);
    }
}
