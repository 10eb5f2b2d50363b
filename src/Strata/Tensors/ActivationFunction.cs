namespace Strata.Tensors;

/// <summary>The element-wise (and, for softmax, row-wise) activations, in Keras's vocabulary.</summary>
public enum ActivationFunction
{
    Linear,
    Relu,
    Sigmoid,
    Tanh,
    /// <summary>Over the last axis.</summary>
    Softmax,
    /// <summary>alpha = 1.</summary>
    Elu,
    /// <summary>Klambauer et al. 2017: scale 1.0507…, alpha 1.6732….</summary>
    Selu,
    /// <summary>The exact form x·Φ(x), Keras's default (approximate = false).</summary>
    Gelu,
    /// <summary>negative_slope = 0.2, Keras's default for the activation function.</summary>
    LeakyRelu,
}
