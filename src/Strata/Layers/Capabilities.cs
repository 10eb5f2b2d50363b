using Strata.Tensors;
using Strata.Autodiff;

namespace Strata.Layers;

/// <summary>A layer whose weights mix units (Dense, convolutions): variance shift from dropout fades across such layers.</summary>
public interface IWeightLayer
{
    /// <summary>Whether the layer adds a bias after mixing.</summary>
    bool UseBias { get; }
}

/// <summary>A layer that applies an activation to its output (Dense, Conv2D, Activation, ReLU, ...).</summary>
public interface IActivated
{
    /// <summary>The activation applied last.</summary>
    ActivationFunction Activation { get; }

    /// <summary>The activation with its arguments (a ReLU layer's max_value, ...); by default the function's Keras defaults.</summary>
    ActivationArguments ActivationArguments => new(Activation);
}

/// <summary>A normalizing layer: variance shift stops at it, and an input it scales is scaled.</summary>
public interface INormalizer
{
    /// <summary>Whether training normalizes with the batch's statistics and inference with moving ones (BatchNormalization).</summary>
    bool UsesBatchStatistics { get; }
}

/// <summary>A pooling layer.</summary>
public interface IPooling
{
    /// <summary>Whether it keeps each window's maximum (max pooling) rather than its average.</summary>
    bool TakesMaximum { get; }
}

/// <summary>
/// A member of the dropout family: noise in training (or Monte-Carlo inference) from a seeded
/// stream, the identity otherwise.
/// </summary>
public interface IDropoutFamily
{
    /// <summary>The noise stream, exposed so a run can be reproduced or resumed.</summary>
    Tensors.RandomStream RandomStream { get; }

    /// <summary>The fraction of units (or weights, or samples) dropped; null for noise that drops nothing.</summary>
    double? DropRate { get; }

    /// <summary>Whether its output's variance differs between training and inference (what BatchNormalization after it suffers).</summary>
    bool ShiftsVariance { get; }

    /// <summary>Whether dropped units are 0 outright rather than noisy.</summary>
    bool ZeroesUnits { get; }
}
