using Strata.Tensors;
using Strata.Autodiff;

namespace Strata.Layers.ActivationLayers;

/// <summary>The arguments of <see cref="LeakyReLU"/>.</summary>
public sealed record LeakyReLUConfig : LayerConfig
{
    /// <summary>The slope for negative inputs; 0.3 for the layer (the leaky_relu function's is 0.2). Keras 2 called it alpha.</summary>
    [KerasAlias("alpha")]
    public double NegativeSlope { get; init; } = 0.3;

    /// <inheritdoc/>
    public override void Validate() =>
        Require(NegativeSlope >= 0, "negative_slope",
            $"The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. Received: negative_slope={NegativeSlope}");
}

/// <summary>x for x &gt; 0, negative_slope·x otherwise. Same as PyTorch's nn.LeakyReLU(negative_slope).</summary>
public sealed class LeakyReLU : ActivationLayer<LeakyReLUConfig>
{
    /// <summary>A LeakyReLU layer with every argument given by <paramref name="config"/>.</summary>
    public LeakyReLU(LeakyReLUConfig config) : base(config) { }

    /// <summary>A LeakyReLU layer of slope <paramref name="negativeSlope"/> for negative inputs.</summary>
    public LeakyReLU(double negativeSlope = 0.3, string? name = null)
        : this(new LeakyReLUConfig { NegativeSlope = negativeSlope, Name = name }) { }

    /// <inheritdoc/>
    public override ActivationArguments ActivationArguments =>
        new(ActivationFunction.LeakyRelu) { NegativeSlope = (float)Config.NegativeSlope };
}
