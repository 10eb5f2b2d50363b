namespace Strata.Tensors;

/// <summary>The element-wise (and, for softmax, row-wise) activations, in Keras's vocabulary.</summary>
public enum ActivationFunction
{
    /// <summary>The identity.</summary>
    Linear,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>1/(1 + e^−x).</summary>
    Sigmoid,
    /// <summary>The hyperbolic tangent.</summary>
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
    /// <summary>log(1 + eˣ).</summary>
    Softplus,
    /// <summary>x/(1 + |x|).</summary>
    Softsign,
    /// <summary>x·sigmoid(x) (Keras 3 also calls it silu).</summary>
    Swish,
    /// <summary>relu6(x + 3)/6, Keras 3's form (Keras 2's was clip(0.2·x + 0.5, 0, 1)).</summary>
    HardSigmoid,
    /// <summary>x·hard_sigmoid(x) (also hard_swish).</summary>
    HardSilu,
    /// <summary>x·tanh(softplus(x)) (Misra 2019).</summary>
    Mish,
    /// <summary>min(max(x, 0), 6).</summary>
    Relu6,
    /// <summary>eˣ.</summary>
    Exponential,
    /// <summary>log(softmax(x)) over the last axis, computed without forming the softmax.</summary>
    LogSoftmax,
}
