using Strata.Autodiff;

namespace Strata.Training.Losses;

/// <summary>
/// −Σ y·log p over the class axis, averaged over the batch. From probabilities, p is first
/// renormalized to sum to 1 and clipped to [1e-7, 1 − 1e-7] (Keras); from logits, log p is a stable log-softmax.
/// </summary>
public sealed class CategoricalCrossentropy : Loss
{
    /// <summary>
    /// A categorical cross-entropy over one-hot targets, for softmax probabilities or, with
    /// <paramref name="fromLogits"/>, raw scores (PyTorch's CrossEntropyLoss).
    /// </summary>
    public CategoricalCrossentropy(bool fromLogits = false) => FromLogits = fromLogits;

    /// <summary>Whether predictions are logits rather than probabilities (Keras's from_logits).</summary>
    public bool FromLogits { get; }

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    /// <inheritdoc/>
    public override Node Compute(Node predictions, Node targets) => CrossEntropy(predictions, targets, FromLogits);

    internal static Node CrossEntropy(Node predictions, Node oneHot, bool fromLogits)
    {
        Node logP;
        if (fromLogits)
        {
            logP = Ops.LogSoftmax(predictions);
        }
        else
        {
            var normalized = Ops.Divide(predictions, Ops.Sum(predictions, -1, keepDims: true));
            logP = Ops.Log(Ops.Clip(normalized, Epsilon, 1 - Epsilon));
        }
        // The mean last (negation is exact either way): ranks sharing a batch then divide by the whole batch's rows.
        return Ops.Mean(Ops.Negate(Ops.Sum(Ops.Multiply(oneHot, logP), -1)));
    }
}
