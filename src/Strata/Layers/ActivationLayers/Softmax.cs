using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.ActivationLayers;

/// <summary>The arguments of <see cref="Softmax"/>.</summary>
public sealed record SoftmaxConfig : LayerConfig
{
    /// <summary>The axis normalized over; negative counts from the end.</summary>
    public int Axis { get; init; } = -1;
}

/// <summary>e^x / Σ e^x along one axis (the last by default). Same as PyTorch's nn.Softmax(dim).</summary>
public sealed class Softmax : ActivationLayer<SoftmaxConfig>
{
    /// <summary>A Softmax layer with every argument given by <paramref name="config"/>.</summary>
    public Softmax(SoftmaxConfig config) : base(config) { }

    /// <summary>A Softmax layer over <paramref name="axis"/>.</summary>
    public Softmax(int axis = -1, string? name = null) : this(new SoftmaxConfig { Axis = axis, Name = name }) { }

    /// <inheritdoc/>
    public override ActivationArguments ActivationArguments => new(ActivationFunction.Softmax) { Axis = Config.Axis };

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        int axis = Config.Axis < 0 ? Config.Axis + inputShape.Length : Config.Axis;
        // The batch axis is no axis to normalize over: samples would depend on each other.
        if (axis < 1 || axis >= inputShape.Length)
            throw new StrataException($"Softmax layer '{Name}' normalizes over axis {Config.Axis}, which an input of shape {ShapeOps.Format(inputShape)} does not have (the batch axis excluded).");
        return inputShape;
    }
}
