using Strata.Tensors;
using Strata.Autodiff;

namespace Strata.Layers.ActivationLayers;

/// <summary>
/// A layer that applies one activation with its arguments (element-wise; softmax along an axis):
/// the output has the input's shape, the linter sees the layer as that activation, and ONNX export
/// writes the activation's form. A new one is its config record and the arguments it stands for.
/// </summary>
/// <typeparam name="TConfig">The layer's config record.</typeparam>
public abstract class ActivationLayer<TConfig> : Layer<TConfig>, IActivated, IMaskPassing where TConfig : LayerConfig
{
    /// <summary>Checks and keeps <paramref name="config"/>.</summary>
    protected ActivationLayer(TConfig config) : base(config) { }

    /// <summary>The activation with the layer's arguments.</summary>
    public abstract ActivationArguments ActivationArguments { get; }

    /// <inheritdoc/>
    public ActivationFunction Activation => ActivationArguments.Function;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Ops.Activation(input, ActivationArguments);
}
