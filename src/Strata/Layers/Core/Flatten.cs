using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>The arguments of <see cref="Flatten"/>.</summary>
public sealed record FlattenConfig : LayerConfig
{
    /// <summary>The order in which the axes are flattened; only channels_last (Keras's default) is implemented.</summary>
    public DataFormat DataFormat { get; init; } = DataFormat.ChannelsLast;

    /// <inheritdoc/>
    public override void Validate() => RequireChannelsLast(DataFormat);
}

/// <summary>Flattens every axis but the batch axis (channels-last order, as Keras).</summary>
public sealed class Flatten : Layer<FlattenConfig>
{
    /// <summary>A Flatten layer with every argument given by <paramref name="config"/>.</summary>
    public Flatten(FlattenConfig config) : base(config) { }

    /// <summary>A Flatten layer.</summary>
    public Flatten(string? name = null) : this(new FlattenConfig { Name = name }) { }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        int features = 1;
        for (int i = 1; i < inputShape.Length; i++)
        {
            if (inputShape[i] <= 0)
                throw new StrataException($"Flatten layer '{Name}' needs every non-batch dimension; got {ShapeOps.Format(inputShape)}.");
            features *= inputShape[i];
        }
        return [inputShape[0], features];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) =>
        Ops.Reshape(input, input.Shape[0], input.Value.Size / Math.Max(1, input.Shape[0]));
}
