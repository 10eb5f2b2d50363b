using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Training.Losses;

/// <summary>
/// −[y·log p + (1 − y)·log(1 − p)] averaged. From probabilities, p is clipped to [1e-7, 1 − 1e-7]
/// as Keras does; from logits it uses the stable form max(x, 0) − x·y + log(1 + e^−|x|).
/// </summary>
public sealed class BinaryCrossentropy : Loss
{
    /// <summary>
    /// A binary cross-entropy for sigmoid probabilities, or for raw scores with <paramref name="fromLogits"/>
    /// (Keras's from_logits, PyTorch's BCEWithLogitsLoss).
    /// </summary>
    public BinaryCrossentropy(bool fromLogits = false) => FromLogits = fromLogits;

    /// <summary>Whether predictions are logits rather than probabilities (Keras's from_logits).</summary>
    public bool FromLogits { get; }

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <inheritdoc/>
    public override Node Compute(Node predictions, Node targets)
    {
        if (FromLogits)
        {
            var x = predictions;
            return Ops.Mean(Ops.Add(Ops.Subtract(Ops.Activation(x, ActivationFunction.Relu), Ops.Multiply(x, targets)),
                Ops.Softplus(Ops.Negate(Ops.Abs(x)))));
        }
        var p = Ops.Clip(predictions, Epsilon, 1 - Epsilon);
        var positive = Ops.Multiply(targets, Ops.Log(p));
        var negative = Ops.Multiply(Ops.AddScalar(Ops.Negate(targets), 1), Ops.Log(Ops.AddScalar(Ops.Negate(p), 1)));
        // The mean last (negation is exact either way): ranks sharing a batch then divide by the whole batch's rows.
        return Ops.Mean(Ops.Negate(Ops.Add(positive, negative)));
    }
}
