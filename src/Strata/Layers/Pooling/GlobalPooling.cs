using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Pooling;

/// <summary>The arguments of the global pooling layers, with Keras's defaults: channels-last data, pooled axes dropped.</summary>
public sealed record GlobalPoolingConfig : LayerConfig
{
    /// <summary>Where the channels are; only channels_last is implemented.</summary>
    public DataFormat DataFormat { get; init; } = DataFormat.ChannelsLast;

    /// <summary>Whether the pooled spatial axes stay, with size 1.</summary>
    [KerasName("keepdims")] public bool KeepDims { get; init; }

    /// <inheritdoc/>
    public override void Validate() => RequireChannelsLast(DataFormat);
}

/// <summary>
/// Max or average over all spatial axes of channels-last inputs: [batch, ..., channels] to
/// [batch, channels] (or [batch, 1, ..., channels] with keepdims), as Keras's global pooling layers.
/// PyTorch: nn.AdaptiveAvgPool2d(1) / nn.AdaptiveMaxPool2d(1) then flatten.
/// </summary>
public abstract class GlobalPooling : Layer<GlobalPoolingConfig>, IPooling
{
    private protected GlobalPooling(GlobalPoolingConfig config, int rank, bool max) : base(config) => (Rank, IsMax) = (rank, max);

    /// <summary>The number of spatial axes (1 or 2).</summary>
    public int Rank { get; }

    /// <inheritdoc/>
    public bool TakesMaximum => IsMax;

    /// <summary>True for max pooling, false for average pooling.</summary>
    public bool IsMax { get; }

    /// <summary>Whether the pooled spatial axes stay, with size 1 (Keras's keepdims); false by default.</summary>
    public bool KeepDims => Config.KeepDims;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != Rank + 2 || inputShape.Skip(1).Any(d => d <= 0))
            throw new StrataException($"{ClassName} layer '{Name}' expects inputs of rank {Rank + 2} with known sizes; received {ShapeOps.Format(inputShape)}.");
        return KeepDims ? [inputShape[0], .. Enumerable.Repeat(1, Rank), inputShape[^1]] : [inputShape[0], inputShape[^1]];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = input.Value.ShapeArray();
        int h = Rank == 1 ? 1 : shape[1], w = shape[^2], c = shape[^1];
        var maps = Ops.Reshape(input, shape[0], h, w, c);
        var y = Ops.Pool2D(maps, new ConvGeometry(shape[0], h, w, c, h, w, 1, 1, 1, 1, 0, 0, 1, 1), IsMax);
        var output = ComputeOutputShape(shape);
        output[0] = shape[0];
        return Ops.Reshape(y, output);
    }

    /// <summary>The [batch, steps] mask as [batch, steps, 1], to broadcast over the channels; checks that it fits the input.</summary>
    private protected Node StepMask(Node input, Node mask)
    {
        if (mask.Shape.Length != 2 || mask.Shape[0] != input.Shape[0] || mask.Shape[1] != input.Shape[1])
            throw new StrataException($"{ClassName} layer '{Name}' received a mask of shape {ShapeOps.Format(mask.Shape)} for input {ShapeOps.Format(input.Shape)}; it needs [batch, steps].");
        return Ops.Reshape(mask, mask.Shape[0], mask.Shape[1], 1);
    }
}
