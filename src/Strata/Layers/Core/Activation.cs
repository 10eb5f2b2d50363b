using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>Applies an activation function element-wise (softmax over the last axis).</summary>
public sealed class Activation : Layer, IActivated
{
    /// <summary>An Activation layer applying the Keras activation named <paramref name="activation"/> (relu, sigmoid, softmax, ...).</summary>
    public Activation(string activation, string? name = null) : base(name) =>
        Function = Activations.Parse(activation, name ?? "activation");

    /// <inheritdoc/>
    public override string ClassName => "Activation";

    /// <summary>The activation function applied.</summary>
    public ActivationFunction Function { get; }

    ActivationFunction IActivated.Activation => Function;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Ops.Activation(input, Function);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = Activations.Name(Function);
        return config;
    }

    /// <summary>Reads an Activation layer from its Keras config; activation is required.</summary>
    public static Activation FromConfig(ConfigReader c) =>
        new(c.String("activation", null) ?? throw new StrataException($"Activation layer '{c.Name}' needs 'activation'."), c.Name);
}
