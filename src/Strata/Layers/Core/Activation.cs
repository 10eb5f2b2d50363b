using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>The arguments of <see cref="Activation"/>.</summary>
public sealed record ActivationConfig : LayerConfig
{
    /// <summary>The activation function applied.</summary>
    public required ActivationFunction Activation { get; init; }
}

/// <summary>Applies an activation function element-wise (softmax over the last axis).</summary>
public sealed class Activation : Layer<ActivationConfig>, IActivated, IMaskPassing
{
    /// <summary>An Activation layer with every argument given by <paramref name="config"/>.</summary>
    public Activation(ActivationConfig config) : base(config) { }

    /// <summary>An Activation layer applying the Keras activation named <paramref name="activation"/> (relu, sigmoid, softmax, ...).</summary>
    public Activation(string activation, string? name = null)
        : this(new ActivationConfig { Activation = Activations.Parse(activation, name ?? "activation"), Name = name }) { }

    /// <summary>The activation function applied.</summary>
    public ActivationFunction Function => Config.Activation;

    ActivationFunction IActivated.Activation => Function;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Ops.Activation(input, Function);
}
