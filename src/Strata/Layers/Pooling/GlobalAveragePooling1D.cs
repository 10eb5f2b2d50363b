using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Pooling;

/// <summary>
/// Global average pooling over the steps of a rank-3 channels-last input (see <see cref="GlobalPooling"/>).
/// With a mask (from Embedding's mask_zero) it averages the present steps only, Σ mask·x / Σ mask, as
/// Keras 3 does; a sequence with no present step gives 0/0 = NaN there, as in Keras.
/// </summary>
public sealed class GlobalAveragePooling1D : GlobalPooling, IMaskConsumer
{
    /// <summary>A global average pooling layer with every argument given by <paramref name="config"/>.</summary>
    public GlobalAveragePooling1D(GlobalPoolingConfig config) : base(config, 1, max: false) { }

    /// <summary>A global average pooling layer over steps; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalAveragePooling1D(bool keepDims = false, string? name = null)
        : this(new GlobalPoolingConfig { KeepDims = keepDims, Name = name }) { }

    /// <inheritdoc/>
    public Node Call(Node input, Node mask, CallMode mode)
    {
        var steps = StepMask(input, mask);
        var mean = Ops.Divide(Ops.Sum(Ops.Multiply(input, steps), axis: 1, keepDims: true), Ops.Sum(steps, axis: 1, keepDims: true));
        var output = ComputeOutputShape(input.Value.ShapeArray());
        output[0] = input.Shape[0];
        return Ops.Reshape(mean, output);
    }
}
