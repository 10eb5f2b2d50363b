using Strata.Tensors;
using Strata.Autodiff;

namespace Strata.Layers.ActivationLayers;

/// <summary>The arguments of <see cref="ReLU"/>, with Keras's defaults (a plain relu).</summary>
public sealed record ReLUConfig : LayerConfig
{
    /// <summary>The largest output; null for none.</summary>
    public double? MaxValue { get; init; }

    /// <summary>The slope below the threshold.</summary>
    public double NegativeSlope { get; init; }

    /// <summary>Inputs up to this value take the negative slope.</summary>
    public double Threshold { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(MaxValue is not < 0, "max_value", $"max_value of a ReLU layer cannot be a negative value. Received: max_value={MaxValue}");
        Require(NegativeSlope >= 0, "negative_slope", $"negative_slope of a ReLU layer cannot be a negative value. Received: negative_slope={NegativeSlope}");
        Require(Threshold >= 0, "threshold", $"threshold of a ReLU layer cannot be a negative value. Received: threshold={Threshold}");
    }
}

/// <summary>
/// Keras's ReLU: max_value for x ≥ max_value, x for threshold &lt; x &lt; max_value, and
/// negative_slope·(x − threshold) otherwise. With the defaults it is relu, with max_value 6 relu6
/// (PyTorch's nn.ReLU6), with a slope only leaky_relu (nn.LeakyReLU), and the linter sees it as such.
/// </summary>
public sealed class ReLU : ActivationLayer<ReLUConfig>
{
    /// <summary>A ReLU layer with every argument given by <paramref name="config"/>.</summary>
    public ReLU(ReLUConfig config) : base(config) { }

    /// <summary>A ReLU layer with Keras's arguments.</summary>
    public ReLU(double? maxValue = null, double negativeSlope = 0, double threshold = 0, string? name = null)
        : this(new ReLUConfig { MaxValue = maxValue, NegativeSlope = negativeSlope, Threshold = threshold, Name = name }) { }

    /// <inheritdoc/>
    public override ActivationArguments ActivationArguments => Config switch
    {
        { NegativeSlope: 0, Threshold: 0, MaxValue: 6 } => new ActivationArguments(ActivationFunction.Relu6),
        { Threshold: 0, MaxValue: null, NegativeSlope: > 0 } => new(ActivationFunction.LeakyRelu) { NegativeSlope = (float)Config.NegativeSlope },
        _ => new(ActivationFunction.Relu)
        {
            NegativeSlope = (float)Config.NegativeSlope, Threshold = (float)Config.Threshold, MaxValue = (float?)Config.MaxValue,
        },
    };
}
