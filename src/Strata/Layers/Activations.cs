using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers;

/// <summary>Keras activation names to <see cref="ActivationFunction"/> and back.</summary>
public static class Activations
{
    public static ActivationFunction Parse(string? name, string layer) => name switch
    {
        null or "linear" or "None" => ActivationFunction.Linear,
        "relu" => ActivationFunction.Relu,
        "sigmoid" => ActivationFunction.Sigmoid,
        "tanh" => ActivationFunction.Tanh,
        "softmax" => ActivationFunction.Softmax,
        "elu" => ActivationFunction.Elu,
        "selu" => ActivationFunction.Selu,
        "gelu" => ActivationFunction.Gelu,
        "leaky_relu" => ActivationFunction.LeakyRelu,
        _ => throw new StrataException(
            $"Unknown activation '{name}' in layer '{layer}'. Expected one of: linear, relu, sigmoid, tanh, softmax, elu, selu, gelu, leaky_relu."),
    };

    public static string Name(ActivationFunction function) => function switch
    {
        ActivationFunction.Linear => "linear",
        ActivationFunction.Relu => "relu",
        ActivationFunction.Sigmoid => "sigmoid",
        ActivationFunction.Tanh => "tanh",
        ActivationFunction.Softmax => "softmax",
        ActivationFunction.Elu => "elu",
        ActivationFunction.Selu => "selu",
        ActivationFunction.Gelu => "gelu",
        _ => "leaky_relu",
    };
}
