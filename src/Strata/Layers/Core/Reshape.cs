using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>
/// Gives each sample a new shape with the same number of values, as Keras's Reshape(target_shape):
/// the batch axis is kept, and one entry of target_shape may be -1 (inferred).
/// </summary>
public sealed class Reshape : Layer
{
    private readonly int[] _targetShape;

    /// <summary>A Reshape layer giving each sample the shape <paramref name="targetShape"/> (batch axis excluded; one entry may be -1).</summary>
    public Reshape(int[] targetShape, string? name = null) : base(name)
    {
        if (targetShape.Length == 0 || targetShape.Any(d => d == 0 || d < -1) || targetShape.Count(d => d == -1) > 1)
            throw new StrataException($"Invalid target_shape {ShapeOps.Format(targetShape)}: positive sizes and at most one -1 expected.");
        _targetShape = (int[])targetShape.Clone();
        TargetShape = ReadOnlyInts.View(_targetShape);
    }

    /// <inheritdoc/>
    public override string ClassName => "Reshape";

    /// <summary>Each sample's new shape, batch axis excluded, -1 marking an entry inferred from the input (Keras's target_shape).</summary>
    public IReadOnlyList<int> TargetShape { get; }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Skip(1).Any(d => d <= 0))
            throw new StrataException($"Reshape layer '{Name}' needs an input with known sizes; got {ShapeOps.Format(inputShape)}.");
        int size = ShapeOps.Size(inputShape.AsSpan(1));
        int known = _targetShape.Where(d => d > 0).Aggregate(1, (a, b) => a * b);
        var output = _targetShape.Select(d => d == -1 ? size / known : d).ToArray();
        if (ShapeOps.Size(output) != size || (_targetShape.Contains(-1) && size % known != 0))
            throw new StrataException($"Reshape layer '{Name}': total size of the new shape {ShapeOps.Format(_targetShape)} must match the input's {size} values per sample.");
        return [inputShape[0], .. output];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = ComputeOutputShape(input.Value.ShapeArray());
        shape[0] = input.Shape[0];
        return Ops.Reshape(input, shape);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["target_shape"] = new JsonArray(_targetShape.Select(d => (JsonNode)d).ToArray());
        return config;
    }

    /// <summary>Reads a Reshape layer from its Keras config; target_shape is required.</summary>
    public static Reshape FromConfig(ConfigReader c) =>
        new(c.Shape("target_shape") ?? throw new StrataException($"Reshape layer '{c.Name}' needs 'target_shape'."), c.Name);
}
