using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Pooling;

/// <summary>
/// Max or average pooling over channels-last inputs, as Keras: pool_size windows moved by strides
/// (default: pool_size), padding "valid" (windows inside the input) or "same" (output ⌈input/stride⌉;
/// an average counts only the positions inside the input). A 1-D pooling runs as 2-D of height 1.
/// PyTorch: nn.MaxPool2d / nn.AvgPool2d(count_include_pad=False) on channels-first data.
/// </summary>
public abstract class Pooling : Layer<PoolingConfig>, IPooling
{
    private protected Pooling(PoolingConfig config, bool max) : base(config) => IsMax = max;

    /// <summary>The number of spatial axes (1 or 2).</summary>
    public int Rank => Config.Rank;

    /// <inheritdoc/>
    public bool TakesMaximum => IsMax;

    /// <summary>True for max pooling, false for average pooling.</summary>
    public bool IsMax { get; }

    /// <summary>The window size along each spatial axis (Keras's pool_size); 2 by default.</summary>
    public IReadOnlyList<int> PoolSize => Config.PoolSize;

    /// <summary>The window's step along each spatial axis; pool_size by default.</summary>
    public IReadOnlyList<int> Strides => Config.Strides;

    /// <summary>Valid (windows inside the input, Keras's default) or same (output size ⌈input/stride⌉).</summary>
    public Padding Padding => Config.Padding;

    /// <summary>The windows' geometry for an input shape, which it checks.</summary>
    private protected ConvGeometry Geometry(int[] shape)
    {
        if (shape.Length != Rank + 2 || shape.Skip(1).Any(d => d <= 0))
            throw new StrataException($"{ClassName} layer '{Name}' expects inputs of rank {Rank + 2} with known sizes ([batch, {(Rank == 1 ? "steps" : "height, width")}, channels]); received {ShapeOps.Format(shape)}.");
        int h = Rank == 1 ? 1 : shape[1], w = shape[^2], c = shape[^1];
        int ph = Rank == 1 ? 1 : PoolSize[0], sh = Rank == 1 ? 1 : Strides[0];
        string padding = KerasConfig.EnumName(Padding);
        var (oh, top) = ConvGeometry.Axis(h, ph, sh, 1, padding);
        var (ow, left) = ConvGeometry.Axis(w, PoolSize[^1], Strides[^1], 1, padding);
        if (oh <= 0 || ow <= 0)
            throw new StrataException($"{ClassName} layer '{Name}': pool_size ({string.Join(", ", PoolSize)}) is larger than the input {ShapeOps.Format(shape)}.");
        return new ConvGeometry(shape[0], h, w, c, ph, PoolSize[^1], sh, Strides[^1], 1, 1, top, left, oh, ow);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var g = Geometry(inputShape);
        return Rank == 1 ? [inputShape[0], g.OutputWidth, g.Channels] : [inputShape[0], g.OutputHeight, g.OutputWidth, g.Channels];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = input.Value.ShapeArray();
        var g = Geometry(shape);
        var x = Rank == 1 ? Ops.Reshape(input, shape[0], 1, shape[1], shape[2]) : input;
        var y = Ops.Pool2D(x, g, IsMax);
        return Rank == 1 ? Ops.Reshape(y, shape[0], g.OutputWidth, g.Channels) : y;
    }
}
