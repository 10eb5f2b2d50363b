using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers;

/// <summary>Keras activation names to <see cref="ActivationFunction"/> and back.</summary>
public static class Activations
{
    /// <summary>
    /// The function for Keras activation <paramref name="name"/> ("relu", "softmax", ...; null, "linear" or
    /// "None" for none); an unknown name throws naming <paramref name="layer"/>.
    /// </summary>
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
        _ => throw new ArgumentException(
            $"Unknown activation '{name}' in layer '{layer}'. Expected one of: linear, relu, sigmoid, tanh, softmax, elu, selu, gelu, leaky_relu.", "activation"),
    };

    /// <summary>The Keras name of <paramref name="function"/>, as written in layer configs.</summary>
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
