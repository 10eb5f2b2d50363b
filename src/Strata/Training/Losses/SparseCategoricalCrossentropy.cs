using Strata.Autodiff;

namespace Strata.Training.Losses;

/// <summary>Categorical cross-entropy with integer class labels as targets (shape [n] or [n, 1]).</summary>
public sealed class SparseCategoricalCrossentropy : Loss
{
    public SparseCategoricalCrossentropy(bool fromLogits = false) => FromLogits = fromLogits;

    public bool FromLogits { get; }

    public override string Name => "sparse_categorical_crossentropy";

    public override bool SparseTargets => true;

    public override int[] TargetShape(int[] predictionShape) => [predictionShape[0], 1];

    public override Node Compute(Node predictions, Node targets) =>
        CategoricalCrossentropy.CrossEntropy(predictions, Ops.OneHot(targets, predictions.Shape[^1]), FromLogits);
}
