using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>
/// Applies one layer to every time step of a [batch, time, ...] input, with the same weights at every
/// step (Keras's TimeDistributed). The steps are folded into the batch axis, so the inner layer sees
/// [batch·time, ...] and its output is unfolded to [batch, time, ...]. The weights are the inner
/// layer's, named time_distributed/dense/kernel and so on. A mask on the steps passes through.
/// </summary>
public sealed class TimeDistributed : Layer, IMaskPassing
{
    private readonly Layer _layer;

    /// <summary>Wraps <paramref name="layer"/>, which is applied to each time step; an unnamed one gets a Keras-style name.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is an InputLayer.</exception>
    public TimeDistributed(Layer layer, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is InputLayer) throw new ArgumentException("TimeDistributed cannot wrap an InputLayer.", nameof(layer));
        if (string.IsNullOrEmpty(layer.Name)) layer.Name = UniqueName(layer.ClassName, Array.Empty<string>());
        _layer = layer;
    }

    /// <summary>The layer applied to every time step.</summary>
    public Layer Layer => _layer;

    /// <inheritdoc/>
    public override IReadOnlyList<Layer> Children => [_layer];

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length < 3)
            throw new StrataException($"TimeDistributed layer '{Name}' needs an input of at least rank 3 [batch, time, ...]; got {ShapeOps.Format(inputShape)}.");
        var step = _layer.ComputeOutputShape(StepShape(inputShape));
        return [inputShape[0], inputShape[1], .. step.AsSpan(1)];
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random) => _layer.Build(StepShape(inputShape), random);

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = input.Shape;
        int batch = shape[0], steps = shape[1];
        // Folding time into the batch lets the inner layer run once over every step.
        var folded = Ops.Reshape(input, [batch * steps, .. shape[2..]]);
        var output = _layer.Call(folded, mode);
        return Ops.Reshape(output, [batch, steps, .. output.Shape[1..]]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = LayerRegistry.ToConfig(_layer);
        return config;
    }

    /// <summary>Reads a TimeDistributed layer from its config: the inner layer's {"class_name", "config"} under "layer".</summary>
    public static TimeDistributed FromConfig(ConfigReader c)
    {
        if (c.Raw("layer") is not JsonObject layer)
            throw new StrataException($"TimeDistributed layer '{c.Name}' needs a 'layer' object.");
        return new(LayerRegistry.FromConfig(layer, 0), c.Name);
    }

    // The batch axis stays unknown: the inner layer is built once for any batch·time.
    private static int[] StepShape(int[] inputShape) => [-1, .. inputShape.AsSpan(2)];
}
