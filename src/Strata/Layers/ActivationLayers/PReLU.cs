using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.ActivationLayers;

/// <summary>The arguments of <see cref="PReLU"/>, with Keras's defaults.</summary>
public sealed record PReLUConfig : LayerConfig
{
    /// <summary>alpha's initializer (zeros: the layer starts as a relu), regularizer and constraint.</summary>
    public WeightSettings Alpha { get; init; } = new(Initializer.Zeros());

    /// <summary>The axes (batch axis 0 excluded) along which one alpha is shared; null learns one per unit.</summary>
    [KerasIntOrList]
    public IReadOnlyList<int>? SharedAxes { get; init => field = ReadOnlyInts.Copy(value); }

    /// <inheritdoc/>
    public override void Validate()
    {
        foreach (int axis in SharedAxes ?? [])
            Require(axis >= 1, "shared_axes", $"shared_axes of a PReLU layer counts from the first axis after the batch axis (1). Received: shared_axes=[{string.Join(", ", SharedAxes!)}]");
    }
}

/// <summary>
/// Parametric ReLU (He et al. 2015): x for x &gt; 0, alpha·x otherwise, with alpha learned for every
/// unit of the input (shape input_shape[1:]) or shared along <c>shared_axes</c> (set to 1 there; for
/// feature maps [batch, h, w, channels], shared_axes [1, 2] learns one alpha per channel, as
/// PyTorch's nn.PReLU(num_parameters = channels) does).
/// </summary>
public sealed class PReLU : Layer<PReLUConfig>, IMaskPassing
{
    /// <summary>A PReLU layer with every argument given by <paramref name="config"/>.</summary>
    public PReLU(PReLUConfig config) : base(config) { }

    /// <summary>A PReLU layer sharing alpha along <paramref name="sharedAxes"/>.</summary>
    public PReLU(int[]? sharedAxes = null, string? name = null) : this(new PReLUConfig { SharedAxes = sharedAxes, Name = name }) { }

    /// <summary>The learned slopes, input_shape[1:] with 1 on the shared axes, once built.</summary>
    public Variable? Alpha { get; private set; }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        AlphaShape(inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random) =>
        Alpha = AddWeight("alpha", AlphaShape(inputShape), Config.Alpha, random);

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Ops.PRelu(input, Parameter(input, Alpha!));

    private int[] AlphaShape(int[] inputShape)
    {
        if (inputShape.Length < 2)
            throw new StrataException($"PReLU layer '{Name}' needs an input with axes after the batch axis; got {ShapeOps.Format(inputShape)}.");
        var shape = inputShape[1..];
        foreach (int axis in Config.SharedAxes ?? [])
        {
            if (axis >= inputShape.Length)
                throw new StrataException($"PReLU layer '{Name}' shares alpha along axis {axis}, which an input of shape {ShapeOps.Format(inputShape)} does not have.");
            shape[axis - 1] = 1;
        }
        if (shape.Any(d => d <= 0))
            throw new StrataException($"PReLU layer '{Name}' needs every axis it learns alpha along to be known; got {ShapeOps.Format(inputShape)} (share the unknown ones with shared_axes).");
        return shape;
    }
}
