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

/// <summary>
/// A layer that can start a mask: a [batch, steps] node of 1 (step present) and 0 (padding) computed
/// from its input in the same graph, so it follows every batch (Keras's compute_mask on Embedding with
/// mask_zero). The model hands it on to the layers that follow.
/// </summary>
public interface IMaskProducer
{
    /// <summary>The mask for <paramref name="input"/>, or null when the layer's settings make none (mask_zero false).</summary>
    Node? ComputeMask(Node input);
}

/// <summary>
/// A layer that keeps the steps of its input in place (element-wise or per-step work: the dropout family,
/// activations, Dense and normalization over the last axis), so a mask on its input holds for its output
/// unchanged (Keras's supports_masking with the default compute_mask).
/// </summary>
public interface IMaskPassing
{
    /// <summary>Whether the mask passes with the layer's present settings (normalization only over the last axis); true by default.</summary>
    bool PassesMask => true;
}

/// <summary>
/// A layer that uses the mask of its input: pooling that skips padded steps, and recurrent layers that carry
/// their state through them. The model calls <see cref="Call(Node, Node, CallMode)"/> instead of
/// <see cref="Layer.Call"/> whenever a mask reaches the layer.
/// </summary>
public interface IMaskConsumer
{
    /// <summary>The layer's output for <paramref name="input"/> [batch, steps, ...] with <paramref name="mask"/> [batch, steps] (1 present, 0 padding).</summary>
    Node Call(Node input, Node mask, CallMode mode);

    /// <summary>
    /// The mask of the output: null when the layer consumes it (pooling, a recurrent layer returning its last
    /// state), the input's mask when the output keeps the steps (return_sequences).
    /// </summary>
    Node? OutputMask(Node mask) => null;
}
