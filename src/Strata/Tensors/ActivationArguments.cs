namespace Strata.Tensors;

/// <summary>
/// An activation with the arguments Keras's function of that name takes: relu's negative_slope,
/// max_value and threshold, leaky_relu's negative_slope, elu's alpha, softmax's and log_softmax's
/// axis. Arguments the function does not take keep their defaults and are ignored. The
/// <c>activation</c> of Dense, Conv and the Activation layer is a function with its defaults; the
/// activation layers (ReLU, LeakyReLU, ELU, Softmax) give theirs.
/// </summary>
public readonly record struct ActivationArguments
{
    /// <summary>The slope leaky_relu takes by default.</summary>
    public const float LeakyReluSlope = 0.2f;

    /// <summary>The identity.</summary>
    public ActivationArguments() : this(ActivationFunction.Linear) { }

    /// <summary><paramref name="function"/> with Keras's default arguments.</summary>
    public ActivationArguments(ActivationFunction function)
    {
        Function = function;
        NegativeSlope = function == ActivationFunction.LeakyRelu ? LeakyReluSlope : 0f;
    }

    /// <summary>The function.</summary>
    public ActivationFunction Function { get; init; }

    /// <summary>relu and leaky_relu: the slope below the threshold (0 for relu, 0.2 for leaky_relu).</summary>
    public float NegativeSlope { get; init; }

    /// <summary>relu: the largest output (null: unbounded).</summary>
    public float? MaxValue { get; init; }

    /// <summary>relu: inputs up to this value take the negative slope (from the threshold).</summary>
    public float Threshold { get; init; }

    /// <summary>elu: the value approached for large negative inputs is −alpha.</summary>
    public float Alpha { get; init; } = 1f;

    /// <summary>softmax and log_softmax: the axis normalized over (negative from the end).</summary>
    public int Axis { get; init; } = -1;

    /// <summary>Whether every argument is the function's default, so the function alone describes the computation.</summary>
    public bool IsDefault => this == new ActivationArguments(Function);

    /// <summary><paramref name="function"/> with Keras's default arguments.</summary>
    public static implicit operator ActivationArguments(ActivationFunction function) => new(function);
}
