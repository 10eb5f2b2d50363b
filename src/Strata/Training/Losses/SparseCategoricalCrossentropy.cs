using Strata.Autodiff;

namespace Strata.Training.Losses;

/// <summary>Categorical cross-entropy with integer class labels as targets (shape [n] or [n, 1]).</summary>
public sealed class SparseCategoricalCrossentropy : Loss
{
    /// <summary>
    /// A categorical cross-entropy over class-index targets, for softmax probabilities or, with
    /// <paramref name="fromLogits"/>, raw scores (PyTorch's CrossEntropyLoss with class indices).
    /// </summary>
    public SparseCategoricalCrossentropy(bool fromLogits = false) => FromLogits = fromLogits;

    /// <summary>Whether predictions are logits rather than probabilities (Keras's from_logits).</summary>
    public bool FromLogits { get; }

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <inheritdoc/>
    public override bool SparseTargets => true;

    /// <inheritdoc/>
    public override int[] TargetShape(int[] predictionShape) => [predictionShape[0], 1];

    /// <inheritdoc/>
    public override Node Compute(Node predictions, Node targets) =>
        CategoricalCrossentropy.CrossEntropy(predictions, Ops.OneHot(targets, predictions.Shape[^1]), FromLogits);
}
