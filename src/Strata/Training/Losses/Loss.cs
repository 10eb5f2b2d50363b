using Strata.Autodiff;

namespace Strata.Training.Losses;

/// <summary>
/// A loss written with <see cref="Ops"/>: it returns the scalar mean over the batch (Keras's
/// "sum_over_batch_size" reduction), and its gradient comes from the ops.
/// </summary>
public abstract class Loss
{
    /// <summary>The Keras name, such as "mean_absolute_error".</summary>
    public abstract string Name { get; }

    /// <summary>Whether targets are class indices rather than values shaped like the predictions.</summary>
    public virtual bool SparseTargets => false;

    /// <summary>
    /// The loss of <paramref name="predictions"/> against <paramref name="targets"/> as a scalar node, the mean
    /// over the batch.
    /// </summary>
    public abstract Node Compute(Node predictions, Node targets);

    /// <summary>The target shape for predictions of shape <paramref name="predictionShape"/>.</summary>
    public virtual int[] TargetShape(int[] predictionShape) => predictionShape;

    private protected const float Epsilon = 1e-7f;
}
