using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>
/// The branch of a residual-style block (<see cref="Residual"/>, <see cref="Regularization.Swapout"/>):
/// layers applied in order whose output must have the input's shape, so it can be added to it.
/// Its config form is the list of the layers' {"class_name", "config"} pairs under "layers".
/// </summary>
internal sealed class LayerBranch
{
    private readonly List<Layer> _layers = [];
    private readonly string _owner;

    /// <summary>Takes <paramref name="layers"/> in order, naming unnamed ones Keras-style; <paramref name="owner"/> (a class name) places errors.</summary>
    public LayerBranch(IEnumerable<Layer> layers, string owner)
    {
        _owner = owner;
        foreach (var layer in layers)
        {
            if (layer is InputLayer) throw new StrataException($"A {owner} branch cannot hold an InputLayer.");
            if (string.IsNullOrEmpty(layer.Name)) layer.Name = Layer.UniqueName(layer.ClassName, _layers);
            else if (_layers.Any(l => l.Name == layer.Name))
                throw new StrataException($"Layer names in a {owner} branch must be unique. Name '{layer.Name}' is already used.");
            _layers.Add(layer);
        }
        if (_layers.Count == 0) throw new StrataException($"A {owner} block needs at least one layer in its branch.");
    }

    /// <summary>The branch's layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Checks that the branch keeps <paramref name="inputShape"/>; <paramref name="name"/> is the block's.</summary>
    public int[] ComputeOutputShape(int[] inputShape, string name)
    {
        var shape = inputShape;
        foreach (var layer in _layers) shape = layer.ComputeOutputShape(shape);
        if (!shape.AsSpan(1).SequenceEqual(inputShape.AsSpan(1)))
            throw new StrataException($"{_owner} layer '{name}': the branch maps {ShapeOps.Format(inputShape)} to {ShapeOps.Format(shape)}; it must keep the input's shape to be added to it.");
        return inputShape;
    }

    /// <summary>Builds the layers in turn, each for the previous one's output shape.</summary>
    public void Build(int[] inputShape, RandomGenerator random)
    {
        var shape = inputShape;
        foreach (var layer in _layers)
        {
            layer.Build(shape, random);
            shape = [.. layer.OutputShape!];
        }
    }

    /// <summary>The branch's output for <paramref name="input"/>.</summary>
    public Node Call(Node input, CallMode mode)
    {
        var h = input;
        foreach (var layer in _layers) h = layer.Call(h, mode);
        return h;
    }

    /// <summary>Writes the layers' configs under "layers" of <paramref name="config"/>.</summary>
    public void WriteConfig(JsonObject config) =>
        config["layers"] = new JsonArray(_layers.Select(l => (JsonNode)LayerRegistry.ToConfig(l)).ToArray());

    /// <summary>The layers a block's config lists under "layers".</summary>
    public static List<Layer> ReadLayers(ConfigReader c, string owner)
    {
        if (c.Raw("layers") is not JsonArray layers)
            throw new StrataException($"{owner} layer '{c.Name}' needs a 'layers' list.");
        return layers.Select((l, i) => LayerRegistry.FromConfig(l, i)).ToList();
    }
}
