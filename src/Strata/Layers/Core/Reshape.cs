using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>The arguments of <see cref="Reshape"/>.</summary>
public sealed record ReshapeConfig : LayerConfig
{
    /// <summary>Each sample's new shape, batch axis excluded; one entry may be -1, inferred from the input.</summary>
    public required IReadOnlyList<int> TargetShape { get; init => field = ReadOnlyInts.Copy(value); }

    /// <inheritdoc/>
    public override void Validate() =>
        Require(TargetShape is { Count: > 0 } && TargetShape.All(d => d > 0 || d == -1) && TargetShape.Count(d => d == -1) <= 1, "target_shape",
            $"Invalid target_shape {ShapeOps.Format([.. TargetShape ?? []])}: positive sizes and at most one -1 expected.");
}

/// <summary>
/// Gives each sample a new shape with the same number of values, as Keras's Reshape(target_shape):
/// the batch axis is kept, and one entry of target_shape may be -1 (inferred).
/// </summary>
public sealed class Reshape : Layer<ReshapeConfig>
{
    /// <summary>A Reshape layer with every argument given by <paramref name="config"/>.</summary>
    public Reshape(ReshapeConfig config) : base(config) { }

    /// <summary>A Reshape layer giving each sample the shape <paramref name="targetShape"/> (batch axis excluded; one entry may be -1).</summary>
    public Reshape(int[] targetShape, string? name = null) : this(new ReshapeConfig { TargetShape = targetShape, Name = name }) { }

    /// <summary>Each sample's new shape, batch axis excluded, -1 marking an entry inferred from the input (Keras's target_shape).</summary>
    public IReadOnlyList<int> TargetShape => Config.TargetShape;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Skip(1).Any(d => d <= 0))
            throw new StrataException($"Reshape layer '{Name}' needs an input with known sizes; got {ShapeOps.Format(inputShape)}.");
        int size = ShapeOps.Size(inputShape.AsSpan(1));
        int known = TargetShape.Where(d => d > 0).Aggregate(1, (a, b) => a * b);
        var output = TargetShape.Select(d => d == -1 ? size / known : d).ToArray();
        if (ShapeOps.Size(output) != size || (TargetShape.Contains(-1) && size % known != 0))
            throw new StrataException($"Reshape layer '{Name}': total size of the new shape {ShapeOps.Format([.. TargetShape])} must match the input's {size} values per sample.");
        return [inputShape[0], .. output];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = ComputeOutputShape(input.Value.ShapeArray());
        shape[0] = input.Shape[0];
        return Ops.Reshape(input, shape);
    }
}
