using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Pooling;

/// <summary>
/// Global max pooling over the steps of a rank-3 channels-last input (see <see cref="GlobalPooling"/>).
/// With a mask (from Embedding's mask_zero) it takes the maximum over the present steps only; a sequence
/// with no present step gives float's lowest value (−3.4e38). Keras 3's GlobalMaxPooling1D does not
/// support masking: it warns, drops the mask and lets padding steps count.
/// </summary>
public sealed class GlobalMaxPooling1D : GlobalPooling, IMaskConsumer
{
    /// <summary>A global max pooling layer with every argument given by <paramref name="config"/>.</summary>
    public GlobalMaxPooling1D(GlobalPoolingConfig config) : base(config, 1, max: true) { }

    /// <summary>A global max pooling layer over steps; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalMaxPooling1D(bool keepDims = false, string? name = null)
        : this(new GlobalPoolingConfig { KeepDims = keepDims, Name = name }) { }

    /// <inheritdoc/>
    public Node Call(Node input, Node mask, CallMode mode)
    {
        var steps = StepMask(input, mask);
        // x·m + (m − 1)·max: present steps keep x exactly, padding becomes float's lowest and never wins the maximum.
        var masked = Ops.Add(Ops.Multiply(input, steps), Ops.Scale(Ops.AddScalar(steps, -1), float.MaxValue));
        return Call(masked, mode);
    }
}
