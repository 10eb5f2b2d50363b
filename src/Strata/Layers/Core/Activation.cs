using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>Applies an activation function element-wise (softmax over the last axis).</summary>
public sealed class Activation : Layer, IActivated
{
    public Activation(string activation, string? name = null) : base(name) =>
        Function = Activations.Parse(activation, name ?? "activation");

    public override string ClassName => "Activation";

    public ActivationFunction Function { get; }

    ActivationFunction IActivated.Activation => Function;

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    public override Node Call(Node input, CallMode mode) => Ops.Activation(input, Function);

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = Activations.Name(Function);
        return config;
    }

    public static Activation FromConfig(ConfigReader c) =>
        new(c.String("activation", null) ?? throw new StrataException($"Activation layer '{c.Name}' needs 'activation'."), c.Name);
}
